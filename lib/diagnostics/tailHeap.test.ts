import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { quantileOfSorted } from './stats';
import { TailQuantile, tailKeptCount } from './tailHeap';
import { groupTailQuantiles } from './tir';

const quantileOf = (xs: number[], p: number | 'max') => {
  const tail = new TailQuantile(xs.length, p);
  for (const x of xs) tail.push(x);
  return tail.value();
};

describe('streamed upper-tail quantile', () => {
  it('equals the type-7 quantile of the sorted values exactly (random sizes, ties, levels, any order)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.float({ noNaN: true, noDefaultInfinity: true, min: 0, max: 1e6 }), fc.constantFrom(0, 1, 2)), { minLength: 1, maxLength: 600 }),
        fc.oneof(
          fc.constant(0),
          fc.constant(1),
          fc.constant('max' as const),
          fc.constant(0.999),
          fc.constant(0.99),
          fc.double({ min: 0, max: 1, noNaN: true }),
        ),
        (xs, p) => {
          const values = xs.map((x) => Math.fround(x));
          const sorted = Float64Array.from(values).sort();
          const expected = p === 'max' ? sorted[sorted.length - 1] : quantileOfSorted(sorted, p);
          expect(quantileOf(values, p)).toBe(expected);
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('keeps m = n − ⌊(n−1)p⌋ values and refuses a wrong count', () => {
    expect(tailKeptCount(131072, 0.999)).toBe(133);
    expect(tailKeptCount(4096, 0.999)).toBe(6);
    expect(tailKeptCount(7, 'max')).toBe(1);
    expect(tailKeptCount(7, 0)).toBe(7);
    const tail = new TailQuantile(3, 0.5);
    tail.push(1);
    expect(() => tail.value()).toThrow(/expected 3 values/);
  });

  it('groupTailQuantiles gives the same numbers on the heap path (high level) as sorting each slice, and rejects NaN', () => {
    const tokens = 300;
    const heads = 3;
    const headDim = 8;
    const x = Float32Array.from(
      { length: tokens * heads * headDim },
      (_, i) => Math.sin(i * 12.9898) * 43758.5453 - Math.floor(Math.sin(i * 12.9898) * 43758.5453) - 0.5,
    );
    const groupOfRow = Int32Array.from([0, 0, 1, 1, -1, 2, 2, 2]);
    for (const level of [0.999, 0.99, 'max' as const, 0.2]) {
      const got = groupTailQuantiles(x, tokens, heads, headDim, groupOfRow, 3, level);
      for (let g = 0; g < 3; g++) {
        const rows = [...groupOfRow.keys()].filter((r) => groupOfRow[r] === g);
        const all: number[] = [];
        for (let h = 0; h < heads; h++) {
          const vals: number[] = [];
          for (let t = 0; t < tokens; t++) for (const r of rows) vals.push(Math.abs(x[(t * heads + h) * headDim + r]));
          all.push(...vals);
          const sorted = Float64Array.from(vals).sort();
          expect(got.perHead[h * 3 + g]).toBe(level === 'max' ? sorted[sorted.length - 1] : quantileOfSorted(sorted, level));
        }
        const sorted = Float64Array.from(all).sort();
        expect(got.pooled[g]).toBe(level === 'max' ? sorted[sorted.length - 1] : quantileOfSorted(sorted, level));
      }
    }
    const bad = Float32Array.from(x);
    bad[5] = Number.NaN;
    expect(() => groupTailQuantiles(bad, tokens, heads, headDim, groupOfRow, 3, 0.999)).toThrow(/NaN activation/);
  });
});
