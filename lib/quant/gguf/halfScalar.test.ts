import { describe, expect, it } from 'vitest';
import { halfBitsToNumber, numberToHalfBits } from './halfScalar';

describe('halfScalar', () => {
  it('decodes known fp16 patterns', () => {
    expect(halfBitsToNumber(0x3c00)).toBe(1);
    expect(halfBitsToNumber(0xc000)).toBe(-2);
    expect(halfBitsToNumber(0x3555)).toBeCloseTo(0.333251953125, 12);
    expect(halfBitsToNumber(0x7bff)).toBe(65504);
    expect(halfBitsToNumber(0x0001)).toBe(2 ** -24);
    expect(halfBitsToNumber(0x7c00)).toBe(Infinity);
    expect(halfBitsToNumber(0xfc00)).toBe(-Infinity);
    expect(halfBitsToNumber(0x7e00)).toBeNaN();
  });
  it('encodes round-trip for every finite pattern', () => {
    for (let bits = 0; bits < 0x10000; bits++) {
      if ((bits & 0x7c00) === 0x7c00) continue;
      expect(numberToHalfBits(halfBitsToNumber(bits))).toBe(bits);
    }
  });
  it('rounds ties to even and overflows to Inf', () => {
    // 1 + 2^-11 is halfway between 1 and 1 + 2^-10: ties to even → 1.
    expect(numberToHalfBits(1 + 2 ** -11)).toBe(0x3c00);
    expect(numberToHalfBits(1 + 3 * 2 ** -11)).toBe(0x3c02);
    expect(numberToHalfBits(70000)).toBe(0x7c00);
  });
});
