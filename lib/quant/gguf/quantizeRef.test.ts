import { describe, expect, it } from 'vitest';
import { dequantizeGgml } from './dequantize';
import { quantizeQ4_0Ref, quantizeQ8_0Ref } from './quantizeRef';

describe('reference quantizers', () => {
  it('Q8_0: amax 127 gives d = 1 and exact integers', () => {
    const x = new Float32Array(32);
    for (let j = 0; j < 32; j++) x[j] = j % 2 ? -j : j;
    x[5] = 127;
    const bytes = quantizeQ8_0Ref(x);
    expect(bytes[0] | (bytes[1] << 8)).toBe(0x3c00);
    expect(Array.from(dequantizeGgml('Q8_0', bytes, 32))).toEqual(Array.from(x));
  });

  it('Q8_0: rounds half away from zero; all-zero block has d = 0', () => {
    const x = new Float32Array(64);
    x[0] = 127;
    x[1] = 2.5;
    x[2] = -2.5;
    const bytes = quantizeQ8_0Ref(x);
    expect((bytes[3] << 24) >> 24).toBe(3);
    expect((bytes[4] << 24) >> 24).toBe(-3);
    expect(bytes[34] | bytes[35]).toBe(0);
  });

  it('Q4_0: d = v/−8 for the largest-magnitude v; codes min(15, trunc(x/d + 8.5))', () => {
    const x = new Float32Array(32);
    x[0] = -8; // d = 1
    x[1] = 7;
    x[2] = 7.6; // 7.6 + 8.5 = 16.1 → clamp 15 → 7
    x[17] = -3.4; // −3.4 + 8.5 = 5.1 → 5 → −3
    const bytes = quantizeQ4_0Ref(x);
    expect(bytes[0] | (bytes[1] << 8)).toBe(0x3c00);
    const back = dequantizeGgml('Q4_0', bytes, 32);
    expect(back[0]).toBe(-8);
    expect(back[1]).toBe(7);
    expect(back[2]).toBe(7);
    expect(back[17]).toBe(-3);
    expect(back[3]).toBe(0);
  });

  it('Q4_0 with a positive extreme gives negative d; error ≤ |d|/2 inside range', () => {
    const x = new Float32Array(32);
    for (let j = 0; j < 32; j++) x[j] = Math.sin(j) * 4;
    x[9] = 5;
    const back = dequantizeGgml('Q4_0', quantizeQ4_0Ref(x), 32);
    const d = 5 / 8;
    for (let j = 0; j < 32; j++) expect(Math.abs(back[j] - x[j])).toBeLessThanOrEqual(d / 2 + 1e-3);
  });
});
