import { describe, expect, it } from 'vitest';
import { absQuantile, maxOf, mean, quantile, quantileOfSorted, rms } from './stats';

describe('stats', () => {
  it('type-7 quantiles match numpy.quantile on hand-built data', () => {
    // numpy.quantile([1,2,3,4], [0, .25, .5, .9, 1]) = [1, 1.75, 2.5, 3.7, 4]
    const x = [4, 1, 3, 2];
    expect(quantile(x, 0)).toBe(1);
    expect(quantile(x, 0.25)).toBeCloseTo(1.75, 12);
    expect(quantile(x, 0.5)).toBeCloseTo(2.5, 12);
    expect(quantile(x, 0.9)).toBeCloseTo(3.7, 12);
    expect(quantile(x, 1)).toBe(4);
    expect(quantile(x, 'max')).toBe(4);
    expect(x).toEqual([4, 1, 3, 2]);
    // numpy.quantile(range(1001), 0.999) = 999.0
    const r = Array.from({ length: 1001 }, (_, i) => 1000 - i);
    expect(quantile(r, 0.999)).toBeCloseTo(999, 9);
    expect(quantileOfSorted([5], 0.3)).toBe(5);
  });

  it('absQuantile uses magnitudes', () => {
    expect(absQuantile(new Float32Array([-4, 1, -3, 2]), 0.5)).toBeCloseTo(2.5, 12);
    expect(absQuantile([-9, 1], 'max')).toBe(9);
  });

  it('mean, rms, max', () => {
    expect(mean([1, 2, 3, 6])).toBe(3);
    expect(rms([3, -4])).toBeCloseTo(Math.sqrt(12.5), 12);
    expect(maxOf([-1, -5])).toBe(-1);
    expect(Number.isNaN(mean([]))).toBe(true);
    expect(Number.isNaN(rms([]))).toBe(true);
  });

  it('rejects empty input, NaN and bad levels', () => {
    expect(() => quantile([], 0.5)).toThrow(/n = 0/);
    expect(() => quantile([1, Number.NaN], 0.5)).toThrow(/NaN at index 1/);
    expect(() => quantile([1, 2], 1.5)).toThrow(/level/);
  });
});
