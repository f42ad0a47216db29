import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  bf16BitsToFloat32,
  bf16ToFloat32,
  float32ToBf16,
  float32ToBf16Bits,
  float32ToFp16,
  float32ToFp16Bits,
  fp16BitsToFloat32,
  fp16ToFloat32,
  halfBitsToFloat32InPlace,
} from './half';

/** Independent decoder straight from the IEEE 754 definition (powers of two, no bit tricks). */
function refFp16Value(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const m = h & 0x3ff;
  if (e === 0x1f) return m === 0 ? sign * Infinity : NaN;
  if (e === 0) return sign * m * 2 ** -24;
  return sign * (1 + m / 1024) * 2 ** (e - 15);
}

/** All finite non-negative fp16 values, ascending by bit pattern (monotone for positives). */
const positiveFp16: number[] = [];
for (let h = 0; h < 0x7c00; h++) positiveFp16.push(refFp16Value(h));

/** Brute-force nearest fp16 code with ties to even mantissa; overflow per IEEE (>= 65520 -> inf). */
function refNearestFp16(x: number): number {
  if (Number.isNaN(x)) return -1;
  const sign = x < 0 || Object.is(x, -0) ? 0x8000 : 0;
  const a = Math.abs(x);
  if (a >= 65520) return sign | 0x7c00;
  let lo = 0;
  let hi = positiveFp16.length - 1;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (positiveFp16[mid] <= a) lo = mid;
    else hi = mid;
  }
  if (positiveFp16[hi] <= a) lo = hi;
  if (positiveFp16[lo] === a || lo === positiveFp16.length - 1) return sign | lo;
  const dLo = a - positiveFp16[lo];
  const dHi = positiveFp16[lo + 1] - a;
  if (dLo < dHi) return sign | lo;
  if (dHi < dLo) return sign | (lo + 1);
  return sign | (lo % 2 === 0 ? lo : lo + 1);
}

describe('fp16', () => {
  it('decodes all 65536 patterns like the IEEE definition and round-trips them bit-exactly', () => {
    const all = new Uint16Array(65536);
    for (let i = 0; i < 65536; i++) all[i] = i;
    const values = fp16BitsToFloat32(all);
    const back = float32ToFp16Bits(values);
    for (let h = 0; h < 65536; h++) {
      const ref = refFp16Value(h);
      if (Number.isNaN(ref)) {
        expect(Number.isNaN(values[h])).toBe(true);
        expect(back[h] & 0x7c00).toBe(0x7c00);
        expect(back[h] & 0x3ff).not.toBe(0);
      } else {
        if (!Object.is(values[h], ref)) throw new Error(`decode 0x${h.toString(16)}: ${values[h]} vs ${ref}`);
        if (back[h] !== h) throw new Error(`round trip 0x${h.toString(16)} -> 0x${back[h].toString(16)}`);
        expect(fp16ToFloat32(h)).toBe(ref);
      }
    }
  });

  it('keeps NaN payloads that fit and forces the quiet bit', () => {
    const nan = new Uint16Array([0x7c01, 0xfe00, 0x7fff]);
    const back = float32ToFp16Bits(fp16BitsToFloat32(nan));
    expect(Array.from(back)).toEqual([0x7e01, 0xfe00, 0x7fff]);
  });

  it('matches known encodings', () => {
    const cases: Array<[number, number]> = [
      [0, 0x0000],
      [-0, 0x8000],
      [1, 0x3c00],
      [-2, 0xc000],
      [0.5, 0x3800],
      [65504, 0x7bff],
      [65519.99, 0x7bff],
      [65520, 0x7c00],
      [1e6, 0x7c00],
      [-Infinity, 0xfc00],
      [2 ** -24, 0x0001],
      [2 ** -25, 0x0000],
      [1.5 * 2 ** -25, 0x0001],
      [3 * 2 ** -25, 0x0002],
      [2 ** -14, 0x0400],
      [0.1, 0x2e66],
      [1 / 3, 0x3555],
      [1 + 2 ** -11, 0x3c00],
      [1 + 3 * 2 ** -11, 0x3c02],
      [2 ** -26, 0x0000],
      [-(2 ** -26), 0x8000],
      [2 ** -14 - 2 ** -25, 0x0400],
    ];
    for (const [x, h] of cases) expect(float32ToFp16(x), `x=${x}`).toBe(h);
    expect(float32ToFp16(NaN) & 0x7e00).toBe(0x7e00);
  });

  it('rounds random float32 values to the nearest fp16, ties to even (brute-force oracle)', () => {
    fc.assert(
      fc.property(fc.float({ noNaN: true, min: -70000, max: 70000 }), (x) => {
        expect(float32ToFp16(x)).toBe(refNearestFp16(Math.fround(x)));
      }),
      { numRuns: 20000, seed: 7 },
    );
    fc.assert(
      fc.property(fc.float({ noNaN: true, min: Math.fround(-1e-4), max: Math.fround(1e-4) }), (x) => {
        expect(float32ToFp16(x)).toBe(refNearestFp16(Math.fround(x)));
      }),
      { numRuns: 5000, seed: 11 },
    );
    // Exact midpoints between neighbouring fp16 values (all exactly representable in float32).
    for (let h = 0; h < 0x7bff; h += 37) {
      const mid = (refFp16Value(h) + refFp16Value(h + 1)) / 2;
      expect(Math.fround(mid)).toBe(mid);
      expect(float32ToFp16(mid)).toBe(h % 2 === 0 ? h : h + 1);
      expect(float32ToFp16(-mid)).toBe(0x8000 | (h % 2 === 0 ? h : h + 1));
    }
  });

  it('vector and scalar paths agree, including subarray views', () => {
    const buf = new Float32Array([9, 1.1, -3.75e-6, 70000, 0.000061]);
    const view = buf.subarray(1);
    const bits = float32ToFp16Bits(view);
    expect(Array.from(bits)).toEqual(Array.from(view, (v) => float32ToFp16(v)));
    expect(() => fp16ToFloat32(70000)).toThrow(/65535, got 70000/);
  });
});

describe('bf16', () => {
  it('decodes as the top half of a float32 and round-trips all finite patterns', () => {
    const all = new Uint16Array(65536);
    for (let i = 0; i < 65536; i++) all[i] = i;
    const values = bf16BitsToFloat32(all);
    const back = float32ToBf16Bits(values);
    const probe = new Float32Array(1);
    const probeBits = new Uint32Array(probe.buffer);
    for (let h = 0; h < 65536; h++) {
      probeBits[0] = h * 65536;
      if (Number.isNaN(probe[0])) {
        expect(Number.isNaN(values[h])).toBe(true);
        continue;
      }
      if (!Object.is(values[h], probe[0]) || back[h] !== h) throw new Error(`bf16 0x${h.toString(16)}`);
    }
    expect(bf16ToFloat32(0x3f80)).toBe(1);
  });

  it('rounds to nearest even', () => {
    // 1 + 2^-8 is the midpoint between bf16 1 (0x3f80) and 1 + 2^-7 (0x3f81): ties to even.
    expect(float32ToBf16(1 + 2 ** -8)).toBe(0x3f80);
    expect(float32ToBf16(1 + 3 * 2 ** -8)).toBe(0x3f82);
    expect(float32ToBf16(1 + 2 ** -8 + 2 ** -20)).toBe(0x3f81);
    expect(float32ToBf16(-1.5)).toBe(0xbfc0);
    expect(float32ToBf16(3.4e38)).toBe(0x7f80); // rounds past the largest bf16 -> inf
    expect(float32ToBf16(NaN) & 0x7fc0).toBe(0x7fc0);
  });
});

describe('halfBitsToFloat32InPlace', () => {
  it('expands all 65536 fp16 and bf16 patterns held in the upper half, bit for bit as the copying converters', () => {
    const patterns = new Uint16Array(65536).map((_, i) => i);
    for (const [format, reference] of [
      ['f16', fp16BitsToFloat32],
      ['bf16', bf16BitsToFloat32],
    ] as const) {
      const out = new Float32Array(patterns.length);
      new Uint16Array(out.buffer).set(patterns, patterns.length);
      halfBitsToFloat32InPlace(out, format);
      expect(Array.from(new Uint32Array(out.buffer))).toEqual(Array.from(new Uint32Array(reference(patterns).buffer)));
    }
  });
});
