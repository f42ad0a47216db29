import { describe, expect, it } from 'vitest';
import { createRng } from './rng';
import { tailInflationRatio, tailInflationRatioPerPair } from './tir';
import { toInterleavedLastAxis } from './testing/permute';

const bands = [
  { bandIndex: 0, firstPair: 0, lastPair: 0, label: 'fast' },
  { bandIndex: 1, firstPair: 1, lastPair: 1, label: 'slow' },
];

/** [tokens, heads=2, headDim=4], half-split, rotaryDim 4: pair 0 = rows 0,2; pair 1 = rows 1,3. */
function filled(tokens: number, value: (t: number, h: number, row: number) => number): Float32Array {
  const x = new Float32Array(tokens * 2 * 4);
  for (let t = 0; t < tokens; t++) for (let h = 0; h < 2; h++) for (let r = 0; r < 4; r++) x[(t * 2 + h) * 4 + r] = value(t, h, r);
  return x;
}

describe('tailInflationRatio', () => {
  // Short run: every |x| = 1 (signs alternate). Long run: head 1's slow pair (rows 1, 3) at 3.
  const shortRun = filled(3, (t) => (t % 2 ? -1 : 1));
  const longRun = filled(5, (t, h, r) => (h === 1 && (r === 1 || r === 3) ? -3 : 1));
  const common = { longRun, longTokens: 5, shortRun, shortTokens: 3, heads: 2, headDim: 4, rotaryDim: 4, layout: 'half-split' as const };

  it('max: only the inflated band of the inflated head rises', () => {
    const r = tailInflationRatio({ ...common, bands, level: 'max' });
    expect(Array.from(r.pooled)).toEqual([1, 3]);
    expect(Array.from(r.perHead)).toEqual([1, 1, 1, 3]);
    expect(Array.from(r.pooledLongTail)).toEqual([1, 3]);
  });

  it('median pools heads: half the slow-band values are 3 → type-7 median 2', () => {
    const r = tailInflationRatio({ ...common, bands, level: 0.5 });
    expect(r.pooled[1]).toBeCloseTo(2, 12);
    expect(r.perHead[3]).toBe(3);
  });

  it('per pair equals per band when bands are single pairs', () => {
    const r = tailInflationRatioPerPair({ ...common, level: 'max' });
    expect(Array.from(r.pooled)).toEqual([1, 3]);
  });

  it('p = 0.999 over a known ramp: long = 2 × short → TIR 2', () => {
    const short = new Float32Array(1001 * 2);
    const long = new Float32Array(1001 * 2);
    for (let t = 0; t < 1001; t++)
      for (let r = 0; r < 2; r++) {
        short[t * 2 + r] = t;
        long[t * 2 + r] = -2 * t;
      }
    const r = tailInflationRatio({
      longRun: long,
      longTokens: 1001,
      shortRun: short,
      shortTokens: 1001,
      heads: 1,
      headDim: 2,
      rotaryDim: 2,
      layout: 'interleaved',
      bands: [bands[0]],
    });
    expect(r.level).toBe(0.999);
    expect(r.pooledShortTail[0]).toBeCloseTo(999, 9);
    expect(r.pooled[0]).toBeCloseTo(2, 12);
  });

  it('both pairing layouts give the same TIR on the same (permuted) activations', () => {
    const rng = createRng(9);
    const headDim = 8;
    const rotaryDim = 6;
    const mk = (tokens: number, s: number) => Float32Array.from({ length: tokens * 3 * headDim }, (_, i) => rng.nextGaussian() * (1 + (i % headDim) * s));
    const longRun = mk(40, 0.5);
    const shortRun = mk(20, 0.1);
    const threeBands = [bands[0], bands[1], { bandIndex: 2, firstPair: 2, lastPair: 2, label: 'x' }];
    const args = { longTokens: 40, shortTokens: 20, heads: 3, headDim, rotaryDim, bands: threeBands, level: 0.9 };
    const a = tailInflationRatio({ ...args, longRun, shortRun, layout: 'half-split' });
    const b = tailInflationRatio({
      ...args,
      longRun: toInterleavedLastAxis(longRun, headDim, rotaryDim),
      shortRun: toInterleavedLastAxis(shortRun, headDim, rotaryDim),
      layout: 'interleaved',
    });
    expect(Array.from(b.pooled)).toEqual(Array.from(a.pooled));
    expect(Array.from(b.perHead)).toEqual(Array.from(a.perHead));
  });

  it('rejects mismatched dims with the numbers', () => {
    expect(() => tailInflationRatio({ ...common, shortTokens: 4, bands })).toThrow(/length 24 ≠ tokens 4 × heads 2 × headDim 4 = 32/);
  });
});
