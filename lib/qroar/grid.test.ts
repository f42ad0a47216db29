import { describe, expect, it } from 'vitest';
import { bandVisitOrder, DEFAULT_GRID, logSpacedGrid } from './grid';

describe('logSpacedGrid', () => {
  it('default: 9 points over [0.8, 1.25], evenly log-spaced, 1.0 exactly in the middle, exact endpoints', () => {
    const g = logSpacedGrid(DEFAULT_GRID.pointCount, DEFAULT_GRID.lo, DEFAULT_GRID.hi);
    expect(g.length).toBe(9);
    expect(g[4]).toBe(1);
    expect(g[0]).toBe(0.8);
    expect(g[8]).toBe(1.25);
    const step = Math.log(1.25) / 4;
    for (let i = 1; i < 9; i++) expect(Math.log(g[i] / g[i - 1])).toBeCloseTo(step, 12);
  });

  it('contains 1.0 exactly for asymmetric windows and even counts', () => {
    for (const [n, lo, hi] of [
      [7, 0.5, 1.1],
      [4, 0.8, 1.25],
      [6, 0.9, 2],
      [2, 1, 1.5],
      [1, 0.8, 1.25],
      [5, 0.7, 1],
    ] as const) {
      const g = Array.from(logSpacedGrid(n, lo, hi));
      expect(g).toHaveLength(n);
      expect(g.filter((v) => v === 1)).toHaveLength(1);
      for (let i = 1; i < n; i++) expect(g[i]).toBeGreaterThan(g[i - 1]);
      expect(g[0]).toBeGreaterThanOrEqual(lo);
      expect(g[n - 1]).toBeLessThanOrEqual(hi);
    }
    // 7 points, [0.5, 1.1]: ln-lengths 0.693 / 0.095 → 5 below 1, 1 above.
    expect(Array.from(logSpacedGrid(7, 0.5, 1.1)).filter((v) => v < 1)).toHaveLength(5);
  });

  it('rejects windows that exclude 1', () => {
    expect(() => logSpacedGrid(5, 1.1, 2)).toThrow(/0 < lo ≤ 1 ≤ hi, got \[1.1, 2\]/);
    expect(() => logSpacedGrid(3, 1, 1)).toThrow(/single point/);
  });
});

describe('bandVisitOrder', () => {
  it('descending IP, ties by descending TIR, then index; NaN last', () => {
    expect(bandVisitOrder([0.1, 0.5, 0.5, Number.NaN, 0.3], [9, 1, 2, 0, 0])).toEqual([2, 1, 4, 0, 3]);
    expect(bandVisitOrder([1, 1, 2])).toEqual([2, 0, 1]);
  });
});
