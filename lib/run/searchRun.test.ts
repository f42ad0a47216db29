import { describe, expect, it } from 'vitest';
import type { NllEngine } from '../eval/engine';
import type { RopeConfig } from '../rope/types';
import { plannedCandidateCount, runSearch, type EnginePrecision, type SearchRunRequest } from './searchRun';

const rope: RopeConfig = { type: 'default', thetaBase: 10000, headDim: 8, rotaryDim: 8, maxPositionEmbeddings: 16 };

// Hand-built engine: NLL of every prediction = 2 + (g0 − 1.1)² + 10·max(0, g1 − 1)² at positions ≥ 7,
// and 2 + 0.1·(g0 − 1)² below position 7 — so band 0 wants g ≈ 1.1 but the short-context guard
// (positions < 7 with S = 8) rises for g0 ≠ 1; band 1 only hurts above 1.
// The FP control engine (precision 'fp') scores every prediction at q/2 + 1 where q is the quantized
// value, so the penalty q − (q/2 + 1) = q/2 − 1 is known by hand.
function engines(log: { opened: number; disposed: number; runs: number; fp?: number }) {
  return async (seqLen: number, scales: Float64Array, precision: EnginePrecision = 'quantized'): Promise<NllEngine> => {
    log.opened++;
    if (precision === 'fp') log.fp = (log.fp ?? 0) + 1;
    const [g0, g1] = scales;
    return {
      device: 'test',
      seqLen,
      async run() {
        log.runs++;
        const nll = new Float32Array(seqLen - 1);
        for (let p = 0; p < seqLen - 1; p++) nll[p] = p < 7 ? 2 + 0.1 * (g0 - 1) ** 2 : 2 + (g0 - 1.1) ** 2 + 10 * Math.max(0, g1 - 1) ** 2;
        if (precision === 'fp') for (let p = 0; p < seqLen - 1; p++) nll[p] = nll[p] / 2 + 1;
        return { nll };
      },
      async dispose() {
        log.disposed++;
      },
    };
  };
}

function request(log: { opened: number; disposed: number; runs: number; fp?: number }, over: Partial<SearchRunRequest> = {}): SearchRunRequest {
  return {
    rope,
    ipPerBand: [0.5, 0.1],
    devTokens: new Int32Array(64),
    testTokens: new Int32Array(64),
    contextTokens: 16,
    shortContextTokens: 8,
    reportContexts: [8, 16],
    windows: 2,
    variant: 'shared',
    keysQuantized: false,
    grid: { pointCount: 3, lo: 0.8, hi: 1.25 },
    guardTolerance: 1,
    openEngine: engines(log),
    ...over,
  };
}

describe('runSearch', () => {
  it('visits bands by IP, picks the best admissible grid point, measures dev/test before and after, disposes every engine', async () => {
    const log: { opened: number; disposed: number; runs: number; fp?: number } = { opened: 0, disposed: 0, runs: 0 };
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
    // 5 candidates + dev before + test PTQ and FP before, one L′ graph each ("after" = "before" at g = 1).
    expect(log.opened).toBe(8);
    expect(log.fp).toBe(1);
    expect(r.test!.contextTokens).toEqual([8, 16]);
    // Test text of 64 tokens: every window of 16 by default.
    expect(r.testWindows).toBe(4);
    expect(r.penalty!.map((p) => p.windows)).toEqual([4, 4]);
    expect(r.edgeHits).toEqual([]);
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
    // Penalty by hand: q/2 − 1 at each window, so before = qBefore/2 − 1, change = (qAfter − qBefore)/2.
    const qBefore = Math.log(relaxed.test!.before[1]);
    const qAfter = Math.log(relaxed.test!.after[1]);
    const p16 = relaxed.penalty![1];
    expect(p16.contextTokens).toBe(16);
    expect(p16.penaltyBefore.meanNats).toBeCloseTo(qBefore / 2 - 1, 6);
    expect(p16.penaltyChange.meanNats).toBeCloseTo((qAfter - qBefore) / 2, 6);
    expect(p16.fpChange.meanNats).toBeCloseTo((qAfter - qBefore) / 2, 6);
    // float32 NLLs: the ratio of two small differences keeps ~5 digits.
    expect(p16.penaltyRelativeChange).toBeCloseTo((qAfter - qBefore) / 2 / (qBefore / 2 - 1), 4);
    expect(relaxed.control!.after[1]).toBeCloseTo(Math.exp(qAfter / 2 + 1), 4);
    expect(relaxed.devChange!.meanNats).toBeLessThan(0);
    const strict = await runSearch(request(log, { grid: { pointCount: 5, lo: 0.8, hi: 1.25 }, guardTolerance: 0 }));
    expect(strict.chosenScales).toEqual([1, 1]);
    expect(strict.candidates.filter((c) => c.bandIndex === 0 && c.scale !== 1).every((c) => c.rejectedReason === 'guard')).toBe(true);
  });

  it('flags a chosen scale on the window edge with the one-step wider window', async () => {
    const log = { opened: 0, disposed: 0, runs: 0 };
    // Grid [0.8, 1, 1.118]: band 0 wants 1.1, so it ends on the upper edge.
    const r = await runSearch(request(log, { grid: { pointCount: 3, lo: 0.8, hi: 1.118 } }));
    expect(r.chosenScales).toEqual([1.118, 1]);
    expect(r.edgeHits).toEqual([{ bandIndex: 0, scale: 1.118, edge: 'hi' }]);
    expect(r.widenTo!.hi).toBeCloseTo(1.118 * 1.25, 12);
    expect(r.widenTo!.lo).toBe(0.8);
    expect(r.widenTo!.pointCount).toBe(4);
  });

  it('symmetric without key quantization is reported without a search', async () => {
    const log = { opened: 0, disposed: 0, runs: 0 };
    const r = await runSearch(request(log, { variant: 'symmetric' }));
    expect(r.noOpReason).toMatch(/cannot change the objective/);
    expect(r.candidates).toEqual([]);
    expect(r.chosenScales).toEqual([1, 1]);
    expect(r.test).toBeNull();
    expect(log.opened).toBe(0);
    const withKeys = await runSearch(request(log, { variant: 'symmetric', keysQuantized: true }));
    expect(withKeys.noOpReason).toBeNull();
    expect(withKeys.candidates.length).toBe(5);
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
    await expect(runSearch(request(log, { windows: 1 }))).rejects.toThrow(/windows must be an integer ≥ 2/);
  });
});

describe('searchEtaMs', () => {
  it('is null before the first candidate, then mean × (left + measurement graphs)', async () => {
    const { searchEtaMs } = await import('./searchRun');
    expect(searchEtaMs([], 33)).toBeNull();
    expect(searchEtaMs([1000, 3000], 33)).toBe((33 - 2 + 6) * 2000);
    const { measurementCandidateEquivalents } = await import('./searchRun');
    // dev before/after ≈ 2 candidates; 4 test curves × 16 windows at 2 windows per candidate = 32.
    expect(measurementCandidateEquivalents(2, 16)).toBe(34);
    expect(searchEtaMs([1000, 3000], 33, 34)).toBe((33 - 2 + 34) * 2000);
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
