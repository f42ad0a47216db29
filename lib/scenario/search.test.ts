import { describe, expect, it } from 'vitest';
import type { NllEngine } from '../eval/engine';
import type { Band, RopeConfig } from '../rope/types';
import { cancelledSearchResult, plannedCandidateCount, runSearch, type SearchJob } from './search';
import { guardWindowCount, type SearchEngineBuild } from './searchPlan';

// Linear PI ×2 over 8 trained tokens: IP falls with the pair index, so band 0 (fast pairs) goes first.
const rope: RopeConfig = { type: 'linear', factor: 2, thetaBase: 10000, headDim: 8, rotaryDim: 8, maxPositionEmbeddings: 16, originalMaxPositionEmbeddings: 8 };
const bands: Band[] = [
  { bandIndex: 0, firstPair: 0, lastPair: 1, label: 'fast' },
  { bandIndex: 1, firstPair: 2, lastPair: 3, label: 'slow' },
];

interface Log {
  opened: number;
  disposed: number;
  runs: number;
  fp?: number;
  lengths?: number[];
}

// Hand-built engine: NLL of every prediction = 2 + (g0 − 1.1)² + 10·max(0, g1 − 1)² at positions ≥ 7,
// and 2 + 0.1·(g0 − 1)² below position 7 — so band 0 wants g ≈ 1.1 but the short-context guard
// (separate 8-token windows: positions 0…6 only) rises for g0 ≠ 1; band 1 only hurts above 1.
// The FP control engine (precision 'fp') scores every prediction at q/2 + 1 where q is the quantized
// value, so the penalty q − (q/2 + 1) = q/2 − 1 is known by hand.
function engines(log: Log) {
  return async (build: SearchEngineBuild, seqLen: number): Promise<NllEngine> => {
    log.opened++;
    log.lengths?.push(seqLen);
    if (build.precision === 'fp') log.fp = (log.fp ?? 0) + 1;
    const [g0, g1] = build.scales;
    return {
      device: 'test',
      seqLen,
      async run() {
        log.runs++;
        const nll = new Float32Array(seqLen - 1);
        for (let p = 0; p < seqLen - 1; p++) nll[p] = p < 7 ? 2 + 0.1 * (g0 - 1) ** 2 : 2 + (g0 - 1.1) ** 2 + 10 * Math.max(0, g1 - 1) ** 2;
        if (build.precision === 'fp') for (let p = 0; p < seqLen - 1; p++) nll[p] = nll[p] / 2 + 1;
        // Tie-break runs (kTapLayers): equal keys everywhere, so ties keep the band index order.
        return build.kTapLayers ? { nll, taps: { k_post_0: new Float32Array(seqLen * 8).fill(1) } } : { nll };
      },
      async dispose() {
        log.disposed++;
      },
    };
  };
}

function request(log: Log, over: Partial<SearchJob> = {}): SearchJob {
  return {
    rope,
    bands,
    geometry: { numLayers: 1, numKvHeads: 1, headDim: 8 },
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
    const r = await runSearch(
      request(log, {
        onCandidate: (c, total) => {
          seen.push(c.index);
          expect(total).toBe(5);
        },
      }),
    );
    expect(plannedCandidateCount(2, 3)).toBe(5);
    expect(r.cancelled).toBe(false);
    expect(r.bandOrder).toEqual([0, 1]);
    expect(seen).toEqual([0, 1, 2, 3, 4]);
    // Band 0 at 1.25: 7·0.1·0.0625 + 8·0.0225 = 0.224 > 8·0.01 at g = 1, so g = 1 stays; 0.8 is worse still.
    expect(r.chosenScales).toEqual([1, 1]);
    expect(r.baseline!.objective).toBeCloseTo((7 * 2 + 8 * (2 + 0.01)) / 15, 6);
    expect(r.baseline!.guard).toBeCloseTo(2, 6);
    expect(log.opened).toBe(log.disposed);
    // 5 candidates × (L′ graph + guard graph) + dev before + test PTQ and FP before ("after" = "before" at g = 1).
    expect(log.opened).toBe(13);
    expect(r.guardWindows).toBe(4);
    expect(r.tirPerBand).toBeNull();
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
    const r = await runSearch(
      request(log, {
        signal,
        onCandidate: (c) => {
          if (c.index === 1) signal.aborted = true;
        },
      }),
    );
    expect(r.cancelled).toBe(true);
    expect(r.candidates).toHaveLength(2);
    expect(r.test).toBeNull();
    expect(log.opened).toBe(log.disposed);
  });

  it('runs the guard on separate S-token windows, the same way for every PI method', async () => {
    for (const type of ['linear', 'dynamic'] as const) {
      const log: Log = { opened: 0, disposed: 0, runs: 0, lengths: [] };
      const r = await runSearch(request(log, { rope: { ...rope, type } }));
      // Dynamic NTK's analytic IP is 0 for every band (a tie): two tapped FP runs first, at L′ and S.
      const lengths = type === 'dynamic' ? log.lengths!.slice(2) : log.lengths!;
      // Each candidate: one L′ graph (2 windows), then one S graph (2 · ⌊16/8⌋ = 4 windows).
      expect(lengths.slice(0, 4)).toEqual([16, 8, 16, 8]);
      expect(r.baseline!.guard).toBeCloseTo(2, 6);
      expect(r.guardWindows).toBe(4);
    }
    expect(guardWindowCount(2, 2048, 256, 1e6)).toBe(16);
    expect(guardWindowCount(2, 2048, 256, 3000)).toBe(11);
    expect(guardWindowCount(4, 300, 256, 1e6)).toBe(4);
  });

  it('breaks IP ties by the TIR of full-precision post-RoPE keys', async () => {
    // No PI: every band's IP is 0, so the order comes from TIR. Keys [T, 1 head, 8]: band 1's rows grow
    // 3× in the long run, band 0's stay — band 1 first.
    const log: Log = { opened: 0, disposed: 0, runs: 0 };
    const plain = engines(log);
    const taps: SearchEngineBuild[] = [];
    const open = async (build: SearchEngineBuild, seqLen: number): Promise<NllEngine> => {
      const e = await plain(build, seqLen);
      if (!build.kTapLayers) return e;
      taps.push(build);
      const k = new Float32Array(seqLen * 8);
      for (let t = 0; t < seqLen; t++) for (let d = 0; d < 8; d++) k[t * 8 + d] = d % 4 >= 2 && seqLen === 16 ? 3 : 1;
      return { ...e, run: async (input) => ({ ...(await e.run(input)), taps: { k_post_0: k } }) };
    };
    const r = await runSearch(request(log, { rope: { ...rope, type: 'default', factor: undefined }, openEngine: open }));
    expect(r.ipPerBand).toEqual([0, 0]);
    expect(taps.map((b) => [b.precision, b.kTapLayers])).toEqual([
      ['fp', [0]],
      ['fp', [0]],
    ]);
    expect(r.tirPerBand![1]).toBeCloseTo(3, 6);
    expect(r.tirPerBand![0]).toBeCloseTo(1, 6);
    expect(r.bandOrder).toEqual([1, 0]);
  });

  it('searches once more in the widened window when asked', async () => {
    const log: Log = { opened: 0, disposed: 0, runs: 0 };
    const r = await runSearch(request(log, { grid: { pointCount: 3, lo: 0.8, hi: 1.118 }, widen: true }));
    expect(r.firstPass!.chosen[0]).toBe(1.118);
    expect(r.window.hi).toBeCloseTo(1.118 * 1.25, 12);
    // The wider grid [0.8, 1, 1.182, 1.3975] (1 split piecewise): 1.182 is nearest band 0's 1.1, off the edge.
    expect(r.grid).toHaveLength(4);
    expect(r.chosenScales[0]).toBeCloseTo(Math.sqrt(1.118 * 1.25), 12);
    expect(r.edgeHits).toEqual([]);
    expect(cancelledSearchResult(request(log), []).chosenScales).toEqual([1, 1]);
  });

  it('refuses texts shorter than the windows', async () => {
    const log = { opened: 0, disposed: 0, runs: 0 };
    await expect(runSearch(request(log, { devTokens: new Int32Array(20) }))).rejects.toThrow(/dev text has 20 tokens/);
    await expect(runSearch(request(log, { windows: 1 }))).rejects.toThrow(/windows must be an integer ≥ 2/);
  });
});
