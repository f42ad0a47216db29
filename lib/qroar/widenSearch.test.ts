import { describe, expect, it } from 'vitest';
import { logSpacedGrid } from './grid';
import { runBandSearch } from './search';
import { searchWithWidening } from './widenSearch';

// Separable objective whose optimum for band 0 is g = 0.7 (below the default window), band 1 at 1.
const evaluate = async (g: Float64Array) => ({ objective: (Math.log(g[0]) - Math.log(0.7)) ** 2 + Math.log(g[1]) ** 2, guard: 1 });
const pass = (w: { lo: number; hi: number; pointCount: number }) => runBandSearch({ bandCount: 2, evaluate, grid: w });

describe('searchWithWidening', () => {
  it('without --widen: flags the lower edge and offers the wider window', async () => {
    const r = await searchWithWidening(pass, { lo: 0.8, hi: 1.25, pointCount: 9 }, false);
    expect(Array.from(r.result.bestScales)).toEqual([0.8, 1]);
    expect(r.edgeHits).toEqual([{ bandIndex: 0, scale: 0.8, edge: 'lo' }]);
    expect(r.widenTo).toEqual({ lo: 0.8 / 1.25, hi: 1.25, pointCount: 13 });
    expect(r.firstPass).toBeNull();
  });

  it('with --widen: one more pass in [0.64, 1.25] reaches the grid point nearest 0.7, off the edge', async () => {
    const seen: string[] = [];
    const r = await searchWithWidening(pass, { lo: 0.8, hi: 1.25, pointCount: 9 }, true, (hits, from, to) => seen.push(`${hits.length} ${from.lo}→${to.lo}`));
    const wide = logSpacedGrid(13, 0.64, 1.25);
    // ln-distance to 0.7: grid values 0.7155 (k = 2 of 13) beat 0.64 and 0.7600.
    expect(r.result.bestScales[0]).toBeCloseTo(wide[2], 12);
    expect(r.edgeHits).toEqual([]);
    expect(r.widenTo).toBeNull();
    expect(r.firstPass?.chosen).toEqual([0.8, 1]);
    expect(r.window.pointCount).toBe(13);
    expect(seen).toEqual(['1 0.8→0.64']);
  });
});
