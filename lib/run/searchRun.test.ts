import { describe, expect, it } from 'vitest';
import type { NllEngine } from '../eval/engine';
import type { RopeConfig } from '../rope/types';
import { plannedCandidateCount, runSearch, type SearchRunRequest } from './searchRun';

const rope: RopeConfig = { type: 'default', thetaBase: 10000, headDim: 8, rotaryDim: 8, maxPositionEmbeddings: 16 };

// Hand-built engine: NLL of every prediction = 2 + (g0 − 1.1)² + 10·max(0, g1 − 1)² at positions ≥ 7,
// and 2 + 0.1·(g0 − 1)² below position 7 — so band 0 wants g ≈ 1.1 but the short-context guard
// (positions < 7 with S = 8) rises for g0 ≠ 1; band 1 only hurts above 1.
function engines(log: { opened: number; disposed: number; runs: number }) {
  return async (seqLen: number, scales: Float64Array): Promise<NllEngine> => {
    log.opened++;
    const [g0, g1] = scales;
    return {
      device: 'test',
      seqLen,
      async run() {
        log.runs++;
        const nll = new Float32Array(seqLen - 1);
        for (let p = 0; p < seqLen - 1; p++) nll[p] = p < 7 ? 2 + 0.1 * (g0 - 1) ** 2 : 2 + (g0 - 1.1) ** 2 + 10 * Math.max(0, g1 - 1) ** 2;
        return { nll };
      },
      async dispose() {
        log.disposed++;
      },
    };
  };
}

function request(log: { opened: number; disposed: number; runs: number }, over: Partial<SearchRunRequest> = {}): SearchRunRequest {
  return {
    rope,
    ipPerBand: [0.5, 0.1],
    devTokens: new Int32Array(64),
    testTokens: new Int32Array(64),
    contextTokens: 16,
    shortContextTokens: 8,
    reportContexts: [8, 16],
    windows: 2,
    grid: { pointCount: 3, lo: 0.8, hi: 1.25 },
    guardTolerance: 1,
    openEngine: engines(log),
    ...over,
  };
}

describe('runSearch', () => {
  it('visits bands by IP, picks the best admissible grid point, measures dev/test before and after, disposes every engine', async () => {
    const log = { opened: 0, disposed: 0, runs: 0 };
    const seen: number[] = [];
    const r = await runSearch(request(log, { onCandidate: (c, total) => { seen.push(c.index); expect(total).toBe(5); } }));
    expect(plannedCandidateCount(2, 3)).toBe(5);
    expect(r.cancelled).toBe(false);
    expect(r.bandOrder).toEqual([0, 1]);
    expect(seen).toEqual([0, 1, 2, 3, 4]);
    // Band 0 at 1.25: 7·0.1·0.0625 + 8·0.0225 = 0.224 > 8·0.01 at g = 1, so g = 1 stays; 0.8 is worse still.
    expect(r.chosenScales).toEqual([1, 1]);
    expect(r.baseline!.objective).toBeCloseTo((7 * 2 + 8 * (2 + 0.01)) / 15, 6);
    expect(r.baseline!.guard).toBeCloseTo(2, 6);
    expect(log.opened).toBe(log.disposed);
    // 5 candidates + 4 before/after curves, one L′ graph each.
    expect(log.opened).toBe(9);
    expect(r.test!.contextTokens).toEqual([8, 16]);
    expect(r.test!.before[0]).toBeCloseTo(Math.exp(2), 5);
    expect(r.shortContext!.withinGuard).toBe(true);
  });

  it('takes an improving scale and rejects guard violations', async () => {
    const log = { opened: 0, disposed: 0, runs: 0 };
    // Grid 0.8…1.25 with 5 points: 0.8, 0.894, 1, 1.118, 1.25. 1.118 is best for band 0 by the objective.
    const relaxed = await runSearch(request(log, { grid: { pointCount: 5, lo: 0.8, hi: 1.25 } }));
    expect(relaxed.chosenScales[0]).toBeCloseTo(Math.sqrt(1.25), 6);
    expect(relaxed.chosenScales[1]).toBe(1);
    expect(relaxed.test!.after[1]).toBeLessThan(relaxed.test!.before[1]);
    const strict = await runSearch(request(log, { grid: { pointCount: 5, lo: 0.8, hi: 1.25 }, guardTolerance: 0 }));
    expect(strict.chosenScales).toEqual([1, 1]);
    expect(strict.candidates.filter((c) => c.bandIndex === 0 && c.scale !== 1).every((c) => c.rejectedReason === 'guard')).toBe(true);
  });

  it('stops between candidates when cancelled and skips the measurement', async () => {
    const log = { opened: 0, disposed: 0, runs: 0 };
    const signal = { aborted: false };
    const r = await runSearch(request(log, { signal, onCandidate: (c) => { if (c.index === 1) signal.aborted = true; } }));
    expect(r.cancelled).toBe(true);
    expect(r.candidates).toHaveLength(2);
    expect(r.test).toBeNull();
    expect(log.opened).toBe(log.disposed);
  });

  it('runs the guard in its own short graph for dynamic NTK', async () => {
    const log = { opened: 0, disposed: 0, runs: 0 };
    const lengths: number[] = [];
    const open = engines(log);
    const r = await runSearch(request(log, {
      rope: { ...rope, type: 'dynamic', factor: 2, originalMaxPositionEmbeddings: 8 },
      openEngine: async (seqLen, scales) => { lengths.push(seqLen); return open(seqLen, scales); },
    }));
    expect(lengths.slice(0, 2)).toEqual([16, 8]);
    expect(r.baseline!.guard).toBeCloseTo(2, 6);
  });

  it('refuses texts shorter than the windows', async () => {
    const log = { opened: 0, disposed: 0, runs: 0 };
    await expect(runSearch(request(log, { devTokens: new Int32Array(20) }))).rejects.toThrow(/dev text has 20 tokens/);
  });
});

describe('searchEtaMs', () => {
  it('is null before the first candidate, then mean × (left + measurement graphs)', async () => {
    const { searchEtaMs } = await import('./searchRun');
    expect(searchEtaMs([], 33)).toBeNull();
    expect(searchEtaMs([1000, 3000], 33)).toBe((33 - 2 + 4) * 2000);
  });
});

describe('meanTirPerBand', () => {
  it('averages layers per band, refusing other partitions', async () => {
    const { meanTirPerBand } = await import('./searchRun');
    expect(Array.from(meanTirPerBand([1, 2, 3, 6], 2, 2)!)).toEqual([2, 4]);
    expect(meanTirPerBand([1, 2, 3], 2, 2)).toBeNull();
    expect(meanTirPerBand([1, NaN, 3, 6], 2, 2)).toBeNull();
  });
});
