import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ropeCosSinCompact, ropeCosSinTable } from './cosSin';
import { ropeFrequencies } from './frequencies';
import { pairRowsInHead } from './layout';
import type { RopeConfig } from './types';

describe('ropeCosSinCompact / ropeCosSinTable', () => {
  it('hand-built: θ = [1, 0.5], positions 3–4, attention factor 2', () => {
    const inv = new Float64Array([1, 0.5]);
    const { cos, sin } = ropeCosSinCompact(inv, 2, 3, 2);
    const want = (f: (x: number) => number): number[] => [f(3), f(1.5), f(4), f(2)].map((x) => Math.fround(2 * Math.fround(x)));
    expect(Array.from(cos)).toEqual(want(Math.cos));
    expect(Array.from(sin)).toEqual(want(Math.sin));
  });

  it('angle is the float32 product of float32 position and float32 θ (HF)', () => {
    const inv = new Float64Array([0.1]);
    const m = 100003;
    const angle32 = Math.fround(Math.fround(m) * Math.fround(0.1));
    expect(ropeCosSinCompact(inv, 1, m, 1).cos[0]).toBe(Math.fround(Math.cos(angle32)));
    expect(angle32).not.toBe(m * 0.1);
  });

  it('full tables: half-split repeats the compact row, interleaved doubles each entry', () => {
    const inv = new Float64Array([1, 0.1, 0.01]);
    const compact = ropeCosSinCompact(inv, 1, 5, 2);
    const half = ropeCosSinTable(inv, 1, 5, 2, 'half-split');
    const inter = ropeCosSinTable(inv, 1, 5, 2, 'interleaved');
    for (let p = 0; p < 2; p++) {
      const c = Array.from(compact.cos.subarray(p * 3, p * 3 + 3));
      expect(Array.from(half.cos.subarray(p * 6, p * 6 + 6))).toEqual([...c, ...c]);
      expect(Array.from(inter.cos.subarray(p * 6, p * 6 + 6))).toEqual(c.flatMap((x) => [x, x]));
    }
  });

  it('rejects bad ranges', () => {
    expect(() => ropeCosSinCompact(new Float64Array([1]), 1, -1, 2)).toThrow(/-1/);
    expect(() => ropeCosSinCompact(new Float64Array([1]), 1, 0, 1.5)).toThrow(/1.5/);
  });

  it('property: the two layouts hold the same numbers, permuted by pair rows', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 16 }), fc.integer({ min: 0, max: 5000 }), fc.integer({ min: 1, max: 6 }), (pairs, start, count) => {
        const rope: RopeConfig = { type: 'default', thetaBase: 1e4, headDim: 2 * pairs, rotaryDim: 2 * pairs, maxPositionEmbeddings: 256 };
        const { invFreqRadPerToken } = ropeFrequencies(rope);
        const half = ropeCosSinTable(invFreqRadPerToken, 1.1, start, count, 'half-split');
        const inter = ropeCosSinTable(invFreqRadPerToken, 1.1, start, count, 'interleaved');
        const d = 2 * pairs;
        for (let p = 0; p < count; p++) {
          for (let i = 0; i < pairs; i++) {
            const [ha, hb] = pairRowsInHead('half-split', d, i);
            const [ia, ib] = pairRowsInHead('interleaved', d, i);
            for (const t of [half.cos, half.sin]) if (t[p * d + ha] !== t[p * d + hb]) return false;
            if (half.cos[p * d + ha] !== inter.cos[p * d + ia] || half.cos[p * d + hb] !== inter.cos[p * d + ib]) return false;
            if (half.sin[p * d + ha] !== inter.sin[p * d + ia] || half.sin[p * d + hb] !== inter.sin[p * d + ib]) return false;
          }
        }
        return true;
      }),
      { numRuns: 200, seed: 11 },
    );
  });

  it('property: linear PI at position m equals default at position m/s (up to float32 angle rounding)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 16 }), fc.integer({ min: 0, max: 1000 }), (s, k) => {
        const rope: RopeConfig = { type: 'default', thetaBase: 1e4, headDim: 64, rotaryDim: 64, maxPositionEmbeddings: 256 };
        const dflt = ropeFrequencies(rope).invFreqRadPerToken;
        const lin = ropeFrequencies({ ...rope, type: 'linear', factor: s }).invFreqRadPerToken;
        const m = s * k;
        const a = ropeCosSinCompact(lin, 1, m, 1);
        const b = ropeCosSinCompact(dflt, 1, k, 1);
        // Two float32 roundings of an angle ≤ k rad differ by ≤ ~2.4e-7·k.
        const tol = 3e-7 * k + 2e-7;
        for (let i = 0; i < 32; i++) {
          if (Math.abs(a.cos[i] - b.cos[i]) > tol || Math.abs(a.sin[i] - b.sin[i]) > tol) return false;
        }
        return true;
      }),
      { numRuns: 200, seed: 13 },
    );
  });
});
