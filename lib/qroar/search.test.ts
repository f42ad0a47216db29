import { describe, expect, it } from 'vitest';
import { bandVisitOrder, logSpacedGrid } from './grid';
import { runBandSearch, type CandidateRecord, type SearchEvaluation } from './search';

const grid = logSpacedGrid(9, 0.8, 1.25);

/** Fake clock: +10 ms per reading, so timings are exact. */
function fakeClock(): () => number {
  let t = 0;
  return () => (t += 10);
}

describe('runBandSearch', () => {
  it('finds the known optimum of a separable objective in one sweep, visiting bands by IP', async () => {
    const target = [grid[1], grid[7], 1];
    const calls: number[][] = [];
    const evaluate = async (g: Float64Array): Promise<SearchEvaluation> => {
      calls.push(Array.from(g));
      let s = 0;
      for (let b = 0; b < 3; b++) s += (Math.log(g[b]) - Math.log(target[b])) ** 2;
      return { objective: 2 + s, guard: 3 };
    };
    const records: CandidateRecord[] = [];
    const order = bandVisitOrder([0.2, 0.9, 0.5]);
    const r = await runBandSearch({ bandCount: 3, evaluate, bandOrder: order, onCandidate: (c) => records.push(c), clock: fakeClock() });
    expect(order).toEqual([1, 2, 0]);
    expect(Array.from(r.bestScales)).toEqual(target);
    expect(r.best?.objective).toBeCloseTo(2, 12);
    expect(r.baseline?.objective).toBeGreaterThan(2);
    expect(r.cancelled).toBe(false);
    // 1 baseline + 3 bands × 8 (g = 1 is known for every band) = 25; no point evaluated twice.
    expect(calls).toHaveLength(25);
    expect(new Set(calls.map((c) => c.join(','))).size).toBe(25);
    expect(records).toEqual(r.candidates);
    expect(records[0]).toMatchObject({ index: 0, sweep: 0, bandIndex: null, scale: 1, accepted: true, improved: true });
    expect(records.slice(1, 9).every((c) => c.bandIndex === 1)).toBe(true);
    expect(records[1].scales).toEqual([1, grid[0], 1]);
    expect(records.map((c) => c.elapsedMs).every((ms) => ms === 10)).toBe(true);
    expect(records[24].sinceStartMs).toBe(25 * 20);
  });

  it('rejects and records candidates whose guard rises more than 0.5%', async () => {
    // Objective prefers the largest g; the guard rises 1% above g = 1.15, 0.4% between 1 and 1.15.
    const evaluate = async (g: Float64Array) => ({
      objective: -Math.log(g[0]),
      guard: 10 * (g[0] > 1.15 ? 1.01 : g[0] > 1 ? 1.004 : 1),
    });
    const r = await runBandSearch({ bandCount: 1, evaluate, clock: fakeClock() });
    const rejected = r.candidates.filter((c) => !c.accepted);
    expect(rejected.map((c) => c.scale)).toEqual([grid[7], grid[8]]);
    expect(rejected.every((c) => c.rejectedReason === 'guard' && !c.improved)).toBe(true);
    expect(r.bestScales[0]).toBe(grid[6]);
    expect(r.best?.guard).toBeCloseTo(10.04, 12);
  });

  it('cancelling after the 3rd candidate stops with exactly 3 evaluations', async () => {
    const signal = { aborted: false };
    let evaluations = 0;
    const r = await runBandSearch({
      bandCount: 2,
      evaluate: async (g) => {
        evaluations++;
        return { objective: g[0] + g[1], guard: 1 };
      },
      signal,
      onCandidate: (c) => {
        if (c.index === 2) signal.aborted = true;
      },
      clock: fakeClock(),
    });
    expect(evaluations).toBe(3);
    expect(r.candidates).toHaveLength(3);
    expect(r.cancelled).toBe(true);
    expect(Array.from(r.bestScales)).toEqual([grid[0], 1]);
    const never = await runBandSearch({ bandCount: 2, evaluate: async () => ({ objective: 0, guard: 0 }), signal });
    expect(never).toMatchObject({ cancelled: true, baseline: null, best: null, candidates: [] });
  });

  it('a second sweep improves a coupled objective and still never re-evaluates a point', async () => {
    // In grid steps x = ln g / step: f = (x0 − x1)² + ½(x1 − 2)². Sweep 1 stops at (0, 1), f = 1.5;
    // sweep 2 moves band 0 to 1, f = 0.5.
    const step = Math.log(1.25) / 4;
    const seen: string[] = [];
    const evaluate = async (g: Float64Array) => {
      seen.push(Array.from(g).join(','));
      const x0 = Math.log(g[0]) / step;
      const x1 = Math.log(g[1]) / step;
      return { objective: (x0 - x1) ** 2 + 0.5 * (x1 - 2) ** 2, guard: 1 };
    };
    const one = await runBandSearch({ bandCount: 2, evaluate, clock: fakeClock() });
    seen.length = 0;
    const two = await runBandSearch({ bandCount: 2, evaluate, sweeps: 2, clock: fakeClock() });
    expect(one.best!.objective).toBeCloseTo(1.5, 9);
    expect(two.best!.objective).toBeCloseTo(0.5, 9);
    expect(Array.from(two.bestScales)).toEqual([grid[5], grid[5]]);
    expect(new Set(seen).size).toBe(seen.length);
    expect(two.candidates.some((r) => r.sweep === 2)).toBe(true);
  });

  it('records non-finite objectives as rejected; a non-finite baseline is an error', async () => {
    const r = await runBandSearch({ bandCount: 1, evaluate: async (g) => ({ objective: g[0] > 1.2 ? Number.NaN : 1 / g[0], guard: 1 }), guardTolerance: 1 });
    expect(r.candidates.find((c) => c.scale === 1.25)?.rejectedReason).toBe('non-finite');
    expect(r.bestScales[0]).toBe(grid[7]);
    await expect(runBandSearch({ bandCount: 1, evaluate: async () => ({ objective: Number.NaN, guard: 1 }) })).rejects.toThrow(/baseline/);
    await expect(runBandSearch({ bandCount: 2, bandOrder: [2], evaluate: async () => ({ objective: 0, guard: 0 }) })).rejects.toThrow(/band 2 outside 0…1/);
  });

  it('ties within float rounding keep g = 1 (an exact no-op evaluated anyway)', async () => {
    const base = [1.31, 1.42, 1.27, 1.35];
    // Every candidate moves each window by ≤ 1e-8 nats, some of them downward: rounding, not a change.
    const r = await runBandSearch({
      bandCount: 2,
      evaluate: async (g) => {
        const jitter = 1e-8 * Math.sin(17 * g[0] + 5 * g[1]);
        const perWindow = base.map((x) => x + jitter);
        return { objective: perWindow.reduce((a, b) => a + b) / 4, guard: 1, objectivePerWindow: perWindow };
      },
    });
    expect(Array.from(r.bestScales)).toEqual([1, 1]);
    expect(r.candidates.filter((c) => c.improved)).toHaveLength(1);
    expect(r.candidates.some((c) => c.withinNoise)).toBe(true);
  });

  it('a lower mean that is within the paired noise stays a tie; a consistent gain is taken', async () => {
    const base = [1.0, 2.0, 1.5, 3.0];
    // Band 0 at g ≠ 1: windows move by ±0.2 with mean −0.01 (noise). Band 1 at 1.25: every window −0.01.
    const r = await runBandSearch({
      bandCount: 2,
      gridValues: [0.8, 1, 1.25],
      evaluate: async (g) => {
        const noisy = g[0] !== 1 ? [-0.21, 0.19, -0.21, 0.19] : [0, 0, 0, 0];
        const shift = g[1] === 1.25 ? -0.01 : 0;
        const perWindow = base.map((x, w) => x + noisy[w] + shift);
        return { objective: perWindow.reduce((a, b) => a + b) / 4, guard: 1, objectivePerWindow: perWindow };
      },
    });
    const band0 = r.candidates.filter((c) => c.bandIndex === 0);
    expect(band0.every((c) => c.withinNoise && !c.improved)).toBe(true);
    expect(band0[0].vsBaseline!.meanNats).toBeCloseTo(-0.01, 12);
    // d = [−0.21, 0.19, −0.21, 0.19]: sd = 0.2·√(4/3), SE = 0.2·√(4/3)/2.
    expect(band0[0].vsBaseline!.standardErrorNats).toBeCloseTo((0.2 * Math.sqrt(4 / 3)) / 2, 12);
    expect(Array.from(r.bestScales)).toEqual([1, 1.25]);
  });
});
