/**
 * ONE Q-ROAR band search (SPEC §5) for both drivers: the dashboard (hooks/useQroarSearch over the
 * browser engine port) and `bandscope search` (the Node engine port) call this with the same
 * engine opener of their plan (lib/scenario/searchRun searchOpener), so the same settings give the
 * same candidates and scales on both sides.
 *
 * Objective = mean dev NLL of `windows` windows of L′ with the candidate scales baked into the
 * quantized weights (scale W_Q/W_K first, then quantize). Guard = lib/scenario/searchPlan
 * GUARD_DEFINITION: separate S-token windows tiled over the dev text, each its own short run.
 * Bands are visited by descending analytic IP at L′; when two bands tie on IP, by descending TIR
 * of post-RoPE keys (full precision, first dev window at L′ over the first S tokens, mean over
 * layers). The chosen scales are then measured on the held-out test text, PTQ and the
 * full-precision control, each at g = 1 and with the chosen scales (lib/scenario/perplexityCurve:
 * shorter contexts are prefixes of the L′ windows, run with their own tables for dynamic NTK).
 *
 * Issue #13: a candidate replaces the incumbent only beyond the paired dev-window noise
 * (lib/qroar/noise); a variant that cannot move the objective (lib/qroar/invariance) is reported
 * without a search; a chosen scale on the window edge is flagged with the one-step wider window,
 * and with `widen` searched once more in it (lib/qroar/widenSearch).
 */
import type { NllEngine } from '../eval/engine';
import { evaluatePerplexity } from '../eval/perplexity';
import { graphRopeInputs } from '../eval/ropeInputs';
import { tailInflationRatio } from '../diagnostics/tir';
import { bandVisitOrder } from '../qroar/grid';
import type { EdgeHit, SearchWindow } from '../qroar/gridEdge';
import { objectiveInvariantReason } from '../qroar/invariance';
import type { NoiseSettings, PairedStat } from '../qroar/noise';
import { contextPenalty, type ContextPenalty } from '../qroar/penalty';
import { runBandSearch, type CandidateRecord, type SearchEvaluation } from '../qroar/search';
import { searchWithWidening, type WidenedSearch } from '../qroar/widenSearch';
import { analyticPressure, bandMeans } from '../rope/pressure';
import type { Band, RopeConfig } from '../rope/types';
import { perplexityCurve } from './perplexityCurve';
import { guardWindowCount, SEARCH_DEFAULTS, type EnginePrecision, type SearchEngineOpener, type SearchModelGeometry, type SearchVariant } from './searchPlan';

export interface SearchJob extends SearchVariant {
  /** The PI rope of the scenario. */
  rope: RopeConfig;
  /** The band partition the scales act on. */
  bands: Band[];
  /** Layers and key geometry for the TIR tie-break. */
  geometry: SearchModelGeometry;
  /** Dev token ids (objective, guard, tie-break), Int32Array[n]. */
  devTokens: Int32Array;
  /** Held-out test token ids (measured once, before and after), Int32Array[n]. */
  testTokens: Int32Array;
  /** L′, the long context of the objective (tokens). */
  contextTokens: number;
  /** Guard context S (tokens), 2 ≤ S ≤ L′ (and ≤ L, checked by the drivers that know L). */
  shortContextTokens: number;
  /** Contexts of the before/after table (ascending, each ≤ L′). */
  reportContexts: number[];
  /** Dev windows of L′ per candidate (≥ 2: the paired noise test needs a spread); default SEARCH_DEFAULTS.devWindows. */
  windows?: number;
  /** Test windows of L′ for the before/after and penalty figures; undefined = every whole window. */
  testWindows?: number;
  /** Grid window; default SEARCH_DEFAULTS (9 points in [0.8, 1.25]). */
  grid?: SearchWindow;
  sweeps?: number;
  /** Relative guard tolerance (default SEARCH_DEFAULTS.guardTolerance). */
  guardTolerance?: number;
  /** When a candidate counts as better (default SEARCH_DEFAULTS.noise). */
  noise?: NoiseSettings;
  /** Search once more in the window widened one step when a chosen scale lies on its edge. */
  widen?: boolean;
  openEngine: SearchEngineOpener;
  onCandidate?: (record: CandidateRecord, totalCandidates: number) => void;
  onProgress?: (message: string) => void;
  /** Called when the first pass ends on the window edge and `widen` searches again. */
  onWiden?: (hits: EdgeHit[], from: SearchWindow, to: SearchWindow) => void;
  signal?: { readonly aborted: boolean };
}

export interface BeforeAfter {
  contextTokens: number[];
  /** Perplexity at each context, without / with the chosen scales. */
  before: number[];
  after: number[];
}

/** The search domain record: what lib/report/searchRecord, the CLI's --json and the charts read. */
export interface SearchRunResult {
  cancelled: boolean;
  /** Analytic IP per band at L′ (turns), and the TIR tie-break per band (null when IP had no ties). */
  ipPerBand: number[];
  tirPerBand: number[] | null;
  bandOrder: number[];
  grid: number[];
  candidates: CandidateRecord[];
  /** Best admissible scales found (all 1 when nothing beat the baseline), [bands]. */
  chosenScales: number[];
  baseline: SearchEvaluation | null;
  best: SearchEvaluation | null;
  /** Dev windows of L′ per candidate and the guard's S-token windows. */
  windows: number;
  guardWindows: number;
  guardTolerance: number;
  /** Null when cancelled. */
  dev: BeforeAfter | null;
  test: BeforeAfter | null;
  shortContext: { contextTokens: number; beforeNll: number; afterNll: number; withinGuard: boolean } | null;
  seconds: number;
  /** Why the search was not run (the variant cannot move the objective), or null. */
  noOpReason: string | null;
  noise: NoiseSettings;
  /** Window of the final pass. */
  window: SearchWindow;
  /** Chosen scales on the window edge, and the window one widening step out (null when none). */
  edgeHits: EdgeHit[];
  widenTo: SearchWindow | null;
  /** The first pass when `widen` searched again, else null. */
  firstPass: WidenedSearch['firstPass'];
  /** Paired dev change chosen − baseline over the dev windows, or null. */
  devChange: PairedStat | null;
  /** Full-precision control perplexity at each context, g = 1 / chosen g (same PI, same test windows). */
  control: BeforeAfter | null;
  /** Penalty figures per report context on the test text (lib/qroar/penalty). */
  penalty: ContextPenalty[] | null;
  /** Test windows of the longest context actually measured. */
  testWindows: number | null;
}

/** Candidates a search evaluates: 1 baseline + per sweep, per band, the grid minus the incumbent's value. */
export function plannedCandidateCount(bandCount: number, gridPoints: number, sweeps = 1): number {
  return 1 + sweeps * bandCount * (gridPoints - 1);
}

/** The record of a search stopped before its measurement (cancelled), keeping the candidates that finished. */
export function cancelledSearchResult(
  job: Pick<SearchJob, 'bands' | 'grid' | 'noise' | 'windows' | 'guardTolerance'>,
  candidates: CandidateRecord[],
  seconds = 0,
): SearchRunResult {
  return {
    cancelled: true,
    ipPerBand: [],
    tirPerBand: null,
    bandOrder: [],
    grid: [],
    candidates: [...candidates],
    chosenScales: job.bands.map(() => 1),
    baseline: null,
    best: null,
    windows: job.windows ?? SEARCH_DEFAULTS.devWindows,
    guardWindows: 0,
    guardTolerance: job.guardTolerance ?? SEARCH_DEFAULTS.guardTolerance,
    dev: null,
    test: null,
    shortContext: null,
    seconds,
    noOpReason: null,
    noise: job.noise ?? SEARCH_DEFAULTS.noise,
    window: job.grid ?? { pointCount: SEARCH_DEFAULTS.gridPoints, lo: SEARCH_DEFAULTS.lo, hi: SEARCH_DEFAULTS.hi },
    edgeHits: [],
    widenTo: null,
    firstPass: null,
    devChange: null,
    control: null,
    penalty: null,
    testWindows: null,
  };
}

/** Whether two bands share an IP value (then the TIR tie-break decides their order). */
function hasTies(values: ArrayLike<number>): boolean {
  const seen = new Set<number>();
  for (let i = 0; i < values.length; i++) {
    const v = Number.isNaN(values[i]) ? Number.NaN : values[i];
    if (seen.has(v)) return true;
    seen.add(v);
  }
  return false;
}

export async function runSearch(job: SearchJob): Promise<SearchRunResult> {
  const started = performance.now();
  const seconds = () => (performance.now() - started) / 1000;
  const { bands, rope } = job;
  const bandCount = bands.length;
  const L = job.contextTokens;
  const S = job.shortContextTokens;
  const windows = job.windows ?? SEARCH_DEFAULTS.devWindows;
  const tolerance = job.guardTolerance ?? SEARCH_DEFAULTS.guardTolerance;
  const sweeps = job.sweeps ?? SEARCH_DEFAULTS.sweeps;
  const noise = job.noise ?? SEARCH_DEFAULTS.noise;
  const firstWindow: SearchWindow = job.grid ?? { pointCount: SEARCH_DEFAULTS.gridPoints, lo: SEARCH_DEFAULTS.lo, hi: SEARCH_DEFAULTS.hi };
  if (!(Number.isInteger(S) && S >= 2 && S <= L)) throw new Error(`runSearch: short context ${S} must be an integer in [2, ${L}]`);
  if (!(Number.isInteger(windows) && windows >= 2))
    throw new Error(`runSearch: windows must be an integer ≥ 2 (the noise test needs a spread), got ${windows}`);
  if (job.testWindows !== undefined && !(Number.isInteger(job.testWindows) && job.testWindows >= 1))
    throw new Error(`runSearch: testWindows must be an integer ≥ 1, got ${job.testWindows}`);
  if (job.devTokens.length < windows * L) throw new Error(`runSearch: the dev text has ${job.devTokens.length} tokens, fewer than ${windows} windows of ${L}`);
  if (job.testTokens.length < L) throw new Error(`runSearch: the test text has ${job.testTokens.length} tokens, fewer than one window of ${L}`);
  const guardWindows = guardWindowCount(windows, L, S, job.devTokens.length);
  const ipPerBand = Array.from(bandMeans(analyticPressure(rope, L).ipTurns, bands));
  const noOpReason = objectiveInvariantReason(job.variant, { weightsRowLocal: true, keysQuantized: job.keysQuantized });
  const base = { ipPerBand, windows, guardWindows, guardTolerance: tolerance, noise };
  if (noOpReason) {
    return { ...cancelledSearchResult(job, [], seconds()), ...base, cancelled: false, noOpReason, window: firstWindow };
  }

  const withEngine = async <T>(
    precision: EnginePrecision,
    scales: readonly number[],
    seqLen: number,
    use: (e: NllEngine) => Promise<T>,
    kTapLayers?: readonly number[],
  ): Promise<T> => {
    const engine = await job.openEngine({ precision, scales, ...(kTapLayers ? { kTapLayers } : {}) }, seqLen);
    try {
      return await use(engine);
    } finally {
      await engine.dispose();
    }
  };
  const meanNll = (scales: readonly number[], context: number, count: number) =>
    withEngine('quantized', scales, context, async (engine) => {
      const { cos, sin } = graphRopeInputs(rope, context);
      const [r] = await evaluatePerplexity({ tokens: job.devTokens, contexts: [context], maxWindows: count, prepare: async () => ({ engine, cos, sin }) });
      return r;
    });

  // The tie-break only matters when IP ties; then two full-precision tapped runs on the first dev tokens.
  let tirPerBand: number[] | null = null;
  if (hasTies(ipPerBand) && job.geometry.numLayers >= 1) {
    job.onProgress?.(`band order: IP ties, full-precision key taps at ${L} and ${S} tokens`);
    const layers = Array.from({ length: job.geometry.numLayers }, (_, l) => l);
    const ones = bands.map(() => 1);
    const tapped = (seqLen: number) =>
      withEngine(
        'fp',
        ones,
        seqLen,
        async (engine) => {
          const { cos, sin } = graphRopeInputs(rope, seqLen);
          return (await engine.run({ ids: job.devTokens.slice(0, seqLen), cos, sin })).taps ?? {};
        },
        layers,
      );
    const longTaps = await tapped(L);
    const shortTaps = await tapped(S);
    const tir = new Array<number>(bandCount).fill(0);
    for (const l of layers) {
      const longRun = longTaps[`k_post_${l}`];
      const shortRun = shortTaps[`k_post_${l}`];
      if (!longRun || !shortRun)
        throw new Error(`runSearch: the tie-break run returned no tap 'k_post_${l}' (has ${Object.keys(longTaps).join(', ') || 'none'})`);
      const r = tailInflationRatio({
        longRun,
        longTokens: L,
        shortRun,
        shortTokens: S,
        heads: job.geometry.numKvHeads,
        headDim: job.geometry.headDim,
        rotaryDim: rope.rotaryDim,
        layout: 'half-split',
        bands,
      });
      for (let b = 0; b < bandCount; b++) tir[b] += r.pooled[b] / layers.length;
    }
    tirPerBand = tir;
  }
  const bandOrder = bandVisitOrder(ipPerBand, tirPerBand ?? undefined);

  const evaluate = async (scales: Float64Array): Promise<SearchEvaluation> => {
    const g = Array.from(scales);
    const long = await meanNll(g, L, windows);
    // S = L′ (no extension): the guard windows are the objective's own windows.
    const guard = S === L && guardWindows === windows ? long.nll : (await meanNll(g, S, guardWindows)).nll;
    return { objective: long.nll, guard, objectivePerWindow: long.perWindowNll };
  };
  const total = (w: SearchWindow) => plannedCandidateCount(bandCount, w.pointCount, sweeps);
  const widened = await searchWithWidening(
    (w) =>
      runBandSearch({
        bandCount,
        bandOrder,
        grid: w,
        sweeps,
        guardTolerance: tolerance,
        noise,
        signal: job.signal,
        evaluate,
        onCandidate: (c) => {
          job.onCandidate?.(c, total(w));
          job.onProgress?.(`candidate ${c.index + 1}/${total(w)}`);
        },
      }),
    firstWindow,
    job.widen === true,
    job.onWiden,
  );
  const { result: search, window, edgeHits, widenTo, firstPass } = widened;
  const chosen = Array.from(search.bestScales);
  const common = {
    ...base,
    tirPerBand,
    bandOrder: search.bandOrder,
    grid: Array.from(search.grid),
    candidates: search.candidates,
    chosenScales: chosen,
    baseline: search.baseline,
    best: search.best,
    noOpReason: null,
    window,
    firstPass,
  };
  const stopped = (): SearchRunResult => ({
    ...common,
    cancelled: true,
    chosenScales: chosen,
    dev: null,
    test: null,
    shortContext: null,
    seconds: seconds(),
    edgeHits: [],
    widenTo: null,
    devChange: null,
    control: null,
    penalty: null,
    testWindows: null,
  });
  if (search.cancelled || !search.baseline || !search.best || job.signal?.aborted) return stopped();

  const ones = bands.map(() => 1);
  const unchanged = chosen.every((g) => g === 1);
  const measure = async (tokens: Int32Array, scales: readonly number[], precision: EnginePrecision, count: number | undefined, label: string) => {
    job.onProgress?.(`measuring ${label}`);
    // perplexityCurve disposes its engine after the last window (also when a run fails).
    const { curve, perContext } = await perplexityCurve({
      method: rope.type,
      variant: precision === 'fp' ? 'fp' : 'ptq+qroar',
      rope,
      tokens,
      contexts: job.reportContexts,
      tokenBudget: count === undefined ? tokens.length : count * L,
      maxWindows: count,
      openEngine: (seqLen) => job.openEngine({ precision, scales }, seqLen),
    });
    return { ppl: curve.perplexity, perWindow: perContext.map((r) => r.perWindowNll), windows: perContext.map((r) => r.windows) };
  };
  const devBefore = await measure(job.devTokens, ones, 'quantized', windows, 'dev before');
  const devAfter = unchanged ? devBefore : await measure(job.devTokens, chosen, 'quantized', windows, 'dev after');
  if (job.signal?.aborted) return stopped();
  const ptqBefore = await measure(job.testTokens, ones, 'quantized', job.testWindows, 'test before (PTQ)');
  const ptqAfter = unchanged ? ptqBefore : await measure(job.testTokens, chosen, 'quantized', job.testWindows, 'test after (PTQ)');
  if (job.signal?.aborted) return stopped();
  const fpBefore = await measure(job.testTokens, ones, 'fp', job.testWindows, 'test before (FP control)');
  const fpAfter = unchanged ? fpBefore : await measure(job.testTokens, chosen, 'fp', job.testWindows, 'test after (FP control)');
  const penalty = job.reportContexts.map((contextTokens, k) =>
    contextPenalty(
      { contextTokens, ptqBefore: ptqBefore.perWindow[k], ptqAfter: ptqAfter.perWindow[k], fpBefore: fpBefore.perWindow[k], fpAfter: fpAfter.perWindow[k] },
      noise,
    ),
  );
  const baseline = search.baseline;
  const best = search.best;
  const bestRecord = search.candidates.filter((c) => c.improved).at(-1);
  const contexts = [...job.reportContexts];
  return {
    ...common,
    cancelled: false,
    dev: { contextTokens: contexts, before: devBefore.ppl, after: devAfter.ppl },
    test: { contextTokens: contexts, before: ptqBefore.ppl, after: ptqAfter.ppl },
    shortContext: {
      contextTokens: S,
      beforeNll: baseline.guard,
      afterNll: best.guard,
      withinGuard: best.guard <= baseline.guard + tolerance * Math.abs(baseline.guard),
    },
    seconds: seconds(),
    edgeHits,
    widenTo,
    devChange: bestRecord?.vsBaseline ?? { meanNats: 0, standardErrorNats: 0, windows },
    control: { contextTokens: contexts, before: fpBefore.ppl, after: fpAfter.ppl },
    penalty,
    testWindows: ptqBefore.windows[ptqBefore.windows.length - 1] ?? null,
  };
}
