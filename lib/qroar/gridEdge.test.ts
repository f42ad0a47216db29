import { describe, expect, it } from 'vitest';
import { logSpacedGrid } from './grid';
import { gridEdgeHits, gridEdgeMessage, widenedWindow } from './gridEdge';

describe('grid edges', () => {
  it('flags bands on either edge, never g = 1', () => {
    const grid = logSpacedGrid(9, 0.8, 1.25);
    const hits = gridEdgeHits([grid[0], 1, grid[8], grid[3]], 0.8, 1.25);
    expect(hits).toEqual([
      { bandIndex: 0, scale: 0.8, edge: 'lo' },
      { bandIndex: 2, scale: 1.25, edge: 'hi' },
    ]);
    expect(gridEdgeHits([1, 1], 1, 1.25)).toEqual([]);
    expect(gridEdgeMessage(hits, 0.8, 1.25)).toMatch(/band 0 at g = 0\.8000 \(lower edge\), band 2 at g = 1\.2500 \(upper edge\)/);
    expect(gridEdgeMessage([], 0.8, 1.25)).toBeNull();
  });

  it('one widening step moves the hit side out by 1.25 and keeps the log-step, so old points stay on the grid', () => {
    const w = widenedWindow({ lo: 0.8, hi: 1.25, pointCount: 9 }, [{ bandIndex: 1, scale: 0.8, edge: 'lo' }]);
    // step = ln(1.5625)/8 = ln(1.25)/4 → 4 more points below 0.8: 0.64 … 1.25 in 13 points.
    expect(w.lo).toBeCloseTo(0.64, 12);
    expect(w.hi).toBe(1.25);
    expect(w.pointCount).toBe(13);
    const old = logSpacedGrid(9, 0.8, 1.25);
    const wide = logSpacedGrid(w.pointCount, w.lo, w.hi);
    for (const g of old) expect(wide.some((x) => Math.abs(x - g) < 1e-12)).toBe(true);
    expect(
      widenedWindow({ lo: 0.8, hi: 1.25, pointCount: 9 }, [
        { bandIndex: 0, scale: 1.25, edge: 'hi' },
        { bandIndex: 2, scale: 0.8, edge: 'lo' },
      ]),
    ).toEqual({ lo: 0.8 / 1.25, hi: 1.25 * 1.25, pointCount: 17 });
    expect(widenedWindow({ lo: 0.8, hi: 1.25, pointCount: 9 }, [])).toEqual({ lo: 0.8, hi: 1.25, pointCount: 9 });
  });
});
