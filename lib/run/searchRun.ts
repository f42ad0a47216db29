/**
 * The Q-ROAR band search as the dashboard runs it (SPEC §5), sequenced over an injected engine
 * opener so the same code drives the browser engine worker or a test double. Mirrors
 * cli/commands/search.ts: objective = mean dev NLL at L′ with the candidate scales baked into the
 * quantized weights (scale W_Q/W_K first, then quantize); guard = dev NLL at the short context
 * ≤ L; bands visited by descending analytic IP (ties by TIR when given); the chosen scales are
 * then measured on the held-out test text.
 *
 * Guard for static PI methods: the mean NLL of the first `shortContextTokens − 1` predictions of
 * the same L′ dev windows. For a causal model that is exactly the NLL of short windows starting
 * at those tokens, so each candidate needs one graph, not two. Length-dependent methods (dynamic
 * NTK, longrope) change their base with the evaluated length, so they run the guard in its own
 * short graph.
 *
 * Issue #13: a candidate replaces the incumbent only beyond the paired dev-window noise
 * (lib/qroar/noise); a variant that cannot move the objective (lib/qroar/invariance) is reported
 * without a search; a chosen scale on the window edge is flagged with the one-step wider window
 * (lib/qroar/gridEdge); the held-out test text is measured on PTQ and on the full-precision
 * control, each at g = 1 and with the chosen scales, over `testWindows` windows of L′ (all by
 * default), giving the penalty figures of lib/qroar/penalty at every report context.
 */
import type { NllEngine } from '../eval/engine';
import { evaluatePerplexity } from '../eval/perplexity';
import { graphRopeInputs } from '../eval/ropeInputs';
import { bandVisitOrder } from '../qroar/grid';
import { gridEdgeHits, widenedWindow, type EdgeHit, type SearchWindow } from '../qroar/gridEdge';
import { objectiveInvariantReason } from '../qroar/invariance';
import { DEFAULT_NOISE, type NoiseSettings, type PairedStat } from '../qroar/noise';
import { contextPenalty, type ContextPenalty } from '../qroar/penalty';
import { runBandSearch, type CandidateRecord, type SearchEvaluation } from '../qroar/search';
import type { QroarVariant } from '../qroar/transform';
import type { RopeConfig } from '../rope/types';
import { perplexityCurve } from './perplexityCurve';

/** 'quantized': the scenario's PTQ (weights and KV cache); 'fp': the full-precision control, same PI. */
export type EnginePrecision = 'quantized' | 'fp';

/** Opens an engine fixed to T = seqLen whose weights (quantized or FP) carry the band `scales` [bands]. */
export type ScaledEngineOpener = (seqLen: number, scales: Float64Array, precision: EnginePrecision) => Promise<NllEngine>;

export interface SearchRunRequest {
  /** The PI rope of the scenario. */
  rope: RopeConfig;
  /** Analytic IP per band at L′ (lib/rope/pressure bandMeans), [bands]. */
  ipPerBand: ArrayLike<number>;
  /** Optional TIR per band (tie-break of the visit order), [bands]. */
  tirPerBand?: ArrayLike<number>;
  /** Dev token ids (objective and guard), Int32Array[n]. */
  devTokens: Int32Array;
  /** Held-out test token ids (measured once, before and after), Int32Array[n]. */
  testTokens: Int32Array;
  /** L′, the long context of the objective (tokens). */
  contextTokens: number;
  /** Guard context (tokens), 2 ≤ short ≤ L′. */
  shortContextTokens: number;
  /** Contexts of the before/after table (ascending, each ≤ L′; prefixes of L′ windows for static PI). */
  reportContexts: number[];
  /** Dev windows of L′ per candidate (≥ 2: the paired noise test needs a spread). */
  windows: number;
  /** Test windows of L′ for the before/after and penalty figures; undefined = every whole window. */
  testWindows?: number;
  /** The variant the opener bakes in, and whether the KV quantization covers keys (no-op check). */
  variant: QroarVariant;
  keysQuantized: boolean;
  /** When a candidate counts as better (default lib/qroar/noise DEFAULT_NOISE). */
  noise?: NoiseSettings;
  grid: { pointCount: number; lo: number; hi: number };
  sweeps?: number;
  /** Relative guard tolerance (default 0.005). */
  guardTolerance?: number;
  openEngine: ScaledEngineOpener;
  onCandidate?: (record: CandidateRecord, totalCandidates: number) => void;
  onProgress?: (message: string) => void;
  signal?: { readonly aborted: boolean };
}

export interface BeforeAfter {
  contextTokens: number[];
  /** Perplexity at each context, quantized without / with the chosen scales. */
  before: number[];
  after: number[];
}

export interface SearchRunResult {
  cancelled: boolean;
  bandOrder: number[];
  grid: number[];
  candidates: CandidateRecord[];
  /** Best admissible scales found (all 1 when nothing beat the baseline), [bands]. */
  chosenScales: number[];
  baseline: SearchEvaluation | null;
  best: SearchEvaluation | null;
  /** Null when cancelled. */
  dev: BeforeAfter | null;
  test: BeforeAfter | null;
  shortContext: { contextTokens: number; beforeNll: number; afterNll: number; withinGuard: boolean } | null;
  seconds: number;
  /** Why the search was not run (the variant cannot move the objective), or null. */
  noOpReason: string | null;
  noise: NoiseSettings;
  window: SearchWindow;
  /** Chosen scales on the window edge, and the window one widening step out (null when none). */
  edgeHits: EdgeHit[];
  widenTo: SearchWindow | null;
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

export async function runSearch(req: SearchRunRequest): Promise<SearchRunResult> {
  const started = performance.now();
  const bandCount = req.ipPerBand.length;
  const L = req.contextTokens;
  const S = req.shortContextTokens;
  if (!(Number.isInteger(S) && S >= 2 && S <= L)) throw new Error(`runSearch: short context ${S} must be an integer in [2, ${L}]`);
  if (!(Number.isInteger(req.windows) && req.windows >= 2)) throw new Error(`runSearch: windows must be an integer ≥ 2 (the noise test needs a spread), got ${req.windows}`);
  if (req.testWindows !== undefined && !(Number.isInteger(req.testWindows) && req.testWindows >= 1)) throw new Error(`runSearch: testWindows must be an integer ≥ 1, got ${req.testWindows}`);
  if (req.devTokens.length < req.windows * L) throw new Error(`runSearch: the dev text has ${req.devTokens.length} tokens, fewer than ${req.windows} windows of ${L}`);
  if (req.testTokens.length < L) throw new Error(`runSearch: the test text has ${req.testTokens.length} tokens, fewer than one window of ${L}`);
  const noise = req.noise ?? DEFAULT_NOISE;
  const window: SearchWindow = { ...req.grid };
  const noOpReason = objectiveInvariantReason(req.variant, { weightsRowLocal: true, keysQuantized: req.keysQuantized });
  const lengthDependent = req.rope.type === 'dynamic' || req.rope.type === 'longrope';
  const guardWindows = req.windows * Math.max(1, Math.floor(L / S));
  const sweeps = req.sweeps ?? 1;
  const total = plannedCandidateCount(bandCount, req.grid.pointCount, sweeps);

  const none = { noOpReason, noise, window, edgeHits: [], widenTo: null, devChange: null, control: null, penalty: null, testWindows: null };
  if (noOpReason) {
    return {
      cancelled: false, bandOrder: [], grid: [], candidates: [], chosenScales: Array.from({ length: bandCount }, () => 1),
      baseline: null, best: null, dev: null, test: null, shortContext: null, seconds: (performance.now() - started) / 1000, ...none,
    };
  }

  const withEngine = async <T>(seqLen: number, scales: Float64Array, use: (e: NllEngine) => Promise<T>): Promise<T> => {
    const engine = await req.openEngine(seqLen, scales, 'quantized');
    try {
      return await use(engine);
    } finally {
      await engine.dispose();
    }
  };
  const meanNll = async (tokens: Int32Array, context: number, windows: number, scales: Float64Array) =>
    withEngine(context, scales, async (engine) => {
      const { cos, sin } = graphRopeInputs(req.rope, context);
      const [r] = await evaluatePerplexity({ tokens, contexts: [context], maxWindows: windows, prepare: async () => ({ engine, cos, sin }) });
      return r;
    });

  const evaluate = async (scales: Float64Array): Promise<SearchEvaluation> => {
    const long = await meanNll(req.devTokens, L, req.windows, scales);
    if (!lengthDependent) {
      let sum = 0;
      for (let p = 0; p < S - 1; p++) sum += long.perPositionNll[p];
      return { objective: long.nll, guard: sum / (S - 1), objectivePerWindow: long.perWindowNll };
    }
    const short = await meanNll(req.devTokens, S, Math.min(guardWindows, Math.floor(req.devTokens.length / S)), scales);
    return { objective: long.nll, guard: short.nll, objectivePerWindow: long.perWindowNll };
  };

  const tolerance = req.guardTolerance ?? 0.005;
  const search = await runBandSearch({
    bandCount,
    bandOrder: bandVisitOrder(req.ipPerBand, req.tirPerBand),
    grid: req.grid,
    sweeps,
    guardTolerance: tolerance,
    noise,
    signal: req.signal,
    evaluate,
    onCandidate: (c) => {
      req.onCandidate?.(c, total);
      req.onProgress?.(`candidate ${c.index + 1}/${total}`);
    },
  });
  const chosen = search.bestScales;
  const base = {
    cancelled: search.cancelled,
    bandOrder: search.bandOrder,
    grid: Array.from(search.grid),
    candidates: search.candidates,
    chosenScales: Array.from(chosen),
    baseline: search.baseline,
    best: search.best,
  };
  if (search.cancelled || !search.baseline || !search.best) {
    return { ...base, dev: null, test: null, shortContext: null, seconds: (performance.now() - started) / 1000, ...none };
  }
  const edgeHits = gridEdgeHits(chosen, window.lo, window.hi);
  const edge = { edgeHits, widenTo: edgeHits.length > 0 ? widenedWindow(window, edgeHits) : null };
  const ones = new Float64Array(bandCount).fill(1);
  const unchanged = chosen.every((g) => g === 1);
  const measure = async (tokens: Int32Array, scales: Float64Array, precision: EnginePrecision, windows: number | undefined, label: string) => {
    req.onProgress?.(`measuring ${label}`);
    // perplexityCurve disposes each engine after its last window (also when a run fails).
    const { curve: c, perContext } = await perplexityCurve({
      method: req.rope.type,
      variant: precision === 'fp' ? 'fp' : 'ptq+qroar',
      rope: req.rope,
      tokens,
      contexts: req.reportContexts,
      tokenBudget: windows === undefined ? tokens.length : windows * L,
      maxWindows: windows,
      openEngine: (seqLen) => req.openEngine(seqLen, scales, precision),
    });
    return { ppl: c.perplexity, perWindow: perContext.map((r) => r.perWindowNll), windows: perContext.map((r) => r.windows) };
  };
  const cancelledResult = () => ({ ...base, cancelled: true, dev: null, test: null, shortContext: null, seconds: (performance.now() - started) / 1000, ...none });
  if (req.signal?.aborted) return cancelledResult();
  const devBefore = await measure(req.devTokens, ones, 'quantized', req.windows, 'dev before');
  const devAfter = unchanged ? devBefore : await measure(req.devTokens, chosen, 'quantized', req.windows, 'dev after');
  if (req.signal?.aborted) return cancelledResult();
  const ptqBefore = await measure(req.testTokens, ones, 'quantized', req.testWindows, 'test before (PTQ)');
  const ptqAfter = unchanged ? ptqBefore : await measure(req.testTokens, chosen, 'quantized', req.testWindows, 'test after (PTQ)');
  if (req.signal?.aborted) return cancelledResult();
  const fpBefore = await measure(req.testTokens, ones, 'fp', req.testWindows, 'test before (FP control)');
  const fpAfter = unchanged ? fpBefore : await measure(req.testTokens, chosen, 'fp', req.testWindows, 'test after (FP control)');
  const penalty = req.reportContexts.map((contextTokens, k) =>
    contextPenalty({ contextTokens, ptqBefore: ptqBefore.perWindow[k], ptqAfter: ptqAfter.perWindow[k], fpBefore: fpBefore.perWindow[k], fpAfter: fpAfter.perWindow[k] }, noise),
  );
  const baseline = search.baseline;
  const best = search.best;
  const bestRecord = search.candidates.filter((c) => c.improved).at(-1);
  const contexts = [...req.reportContexts];
  return {
    ...base,
    dev: { contextTokens: contexts, before: devBefore.ppl, after: devAfter.ppl },
    test: { contextTokens: contexts, before: ptqBefore.ppl, after: ptqAfter.ppl },
    shortContext: { contextTokens: S, beforeNll: baseline.guard, afterNll: best.guard, withinGuard: best.guard <= baseline.guard + tolerance * Math.abs(baseline.guard) },
    seconds: (performance.now() - started) / 1000,
    noOpReason: null,
    noise,
    window,
    ...edge,
    devChange: bestRecord?.vsBaseline ?? { meanNats: 0, standardErrorNats: 0, windows: req.windows },
    control: { contextTokens: contexts, before: fpBefore.ppl, after: fpAfter.ppl },
    penalty,
    testWindows: ptqBefore.windows[ptqBefore.windows.length - 1] ?? null,
  };
}

/** Engine graphs the before/after measurement opens after the last candidate (dev before/after; test PTQ and FP, before/after). */
export const MEASUREMENT_GRAPHS = 6;

/**
 * The measurement's cost in candidate-equivalents: dev before/after run `windows` windows each
 * (≈ one candidate), the four test curves `testWindows` windows each.
 */
export function measurementCandidateEquivalents(windows: number, testWindows: number): number {
  return 2 + (4 * testWindows) / windows;
}

/**
 * Remaining time estimate (ms) from the mean duration of the candidates so far: the candidates
 * left plus the measurement (`measurementCost` candidate-equivalents, default MEASUREMENT_GRAPHS).
 * Null before the first.
 */
export function searchEtaMs(elapsedMs: readonly number[], totalCandidates: number, measurementCost = MEASUREMENT_GRAPHS): number | null {
  if (elapsedMs.length === 0) return null;
  const mean = elapsedMs.reduce((a, b) => a + b, 0) / elapsedMs.length;
  return Math.max(0, totalCandidates - elapsedMs.length + measurementCost) * mean;
}

/**
 * TIR per band averaged over layers (the visit-order tie-break, as the CLI uses k post-RoPE).
 * Input: tirLayerBand [layers × bands], band contiguous. Null when the band count differs
 * (diagnostics of another partition) or any value is not finite.
 */
export function meanTirPerBand(tirLayerBand: ArrayLike<number>, layerCount: number, bandCount: number): Float64Array | null {
  if (layerCount < 1 || tirLayerBand.length !== layerCount * bandCount) return null;
  const out = new Float64Array(bandCount);
  for (let l = 0; l < layerCount; l++) for (let b = 0; b < bandCount; b++) out[b] += tirLayerBand[l * bandCount + b] / layerCount;
  return out.every(Number.isFinite) ? out : null;
}
