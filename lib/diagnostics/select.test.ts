import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { quantileInPlace, selectInPlace } from './select';
import { quantileOfSorted } from './stats';

const sortedCopy = (a: Float32Array) => Float32Array.from(a).sort();

describe('quantile by selection', () => {
  it('equals the type-7 quantile of the sorted values exactly (random sizes, ties, levels)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.float({ noNaN: true, noDefaultInfinity: true, min: -1e6, max: 1e6 }), { minLength: 1, maxLength: 400 }),
        fc.oneof(fc.constant(0), fc.constant(1), fc.constant(0.999), fc.constant(0.5), fc.double({ min: 0, max: 1, noNaN: true })),
        (xs, p) => {
          const values = Float32Array.from(xs);
          const expected = quantileOfSorted(sortedCopy(values), p);
          expect(quantileInPlace(values, p)).toBe(expected);
          const wide = Float64Array.from(xs);
          expect(quantileInPlace(wide, p)).toBe(quantileOfSorted(Float64Array.from(xs).sort(), p));
        },
      ),
      { numRuns: 2000 },
    );
  });
  it('the k-th smallest with everything partitioned around it, also on sorted, reversed and constant input', () => {
    const n = 5000;
    const inputs = [
      Float32Array.from({ length: n }, (_, i) => i),
      Float32Array.from({ length: n }, (_, i) => n - i),
      new Float32Array(n).fill(3),
      Float32Array.from({ length: n }, (_, i) => (i * 7919) % 13),
    ];
    for (const input of inputs) {
      const sorted = sortedCopy(input);
      for (const k of [0, 1, 2499, 4994, 4999]) {
        const a = Float32Array.from(input);
        expect(selectInPlace(a, k)).toBe(sorted[k]);
        for (let i = 0; i < k; i++) expect(a[i]).toBeLessThanOrEqual(a[k]);
        for (let i = k + 1; i < n; i++) expect(a[i]).toBeGreaterThanOrEqual(a[k]);
      }
    }
    expect(() => selectInPlace(new Float32Array(3), 3)).toThrow(/k = 3 outside 0…2/);
    expect(quantileInPlace(Float32Array.from([5]), 0.999)).toBe(5);
    expect(quantileInPlace(Float32Array.from([1, 9, 3]), 'max')).toBe(9);
  });
});
