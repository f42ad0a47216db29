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
 */
import type { NllEngine } from '../eval/engine';
import { evaluatePerplexity } from '../eval/perplexity';
import { graphRopeInputs } from '../eval/ropeInputs';
import { bandVisitOrder } from '../qroar/grid';
import { runBandSearch, type CandidateRecord, type SearchEvaluation } from '../qroar/search';
import type { RopeConfig } from '../rope/types';
import { perplexityCurve } from './perplexityCurve';

/** Opens an engine fixed to T = seqLen whose quantized weights carry the band `scales` [bands]. */
export type ScaledEngineOpener = (seqLen: number, scales: Float64Array) => Promise<NllEngine>;

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
  /** Dev windows of L′ per candidate (and test windows for the before/after measurement). */
  windows: number;
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
  if (!(Number.isInteger(req.windows) && req.windows >= 1)) throw new Error(`runSearch: windows must be an integer ≥ 1, got ${req.windows}`);
  for (const [name, tokens] of [['dev', req.devTokens], ['test', req.testTokens]] as const) {
    if (tokens.length < req.windows * L) throw new Error(`runSearch: the ${name} text has ${tokens.length} tokens, fewer than ${req.windows} windows of ${L}`);
  }
  const lengthDependent = req.rope.type === 'dynamic' || req.rope.type === 'longrope';
  const guardWindows = req.windows * Math.max(1, Math.floor(L / S));
  const sweeps = req.sweeps ?? 1;
  const total = plannedCandidateCount(bandCount, req.grid.pointCount, sweeps);

  const withEngine = async <T>(seqLen: number, scales: Float64Array, use: (e: NllEngine) => Promise<T>): Promise<T> => {
    const engine = await req.openEngine(seqLen, scales);
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
      return { objective: long.nll, guard: sum / (S - 1) };
    }
    const short = await meanNll(req.devTokens, S, Math.min(guardWindows, Math.floor(req.devTokens.length / S)), scales);
    return { objective: long.nll, guard: short.nll };
  };

  const tolerance = req.guardTolerance ?? 0.005;
  const search = await runBandSearch({
    bandCount,
    bandOrder: bandVisitOrder(req.ipPerBand, req.tirPerBand),
    grid: req.grid,
    sweeps,
    guardTolerance: tolerance,
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
    return { ...base, dev: null, test: null, shortContext: null, seconds: (performance.now() - started) / 1000 };
  }
  const ones = new Float64Array(bandCount).fill(1);
  const curve = async (tokens: Int32Array, scales: Float64Array, label: string): Promise<number[]> => {
    req.onProgress?.(`measuring ${label}`);
    const { curve: c } = await perplexityCurve({
      method: req.rope.type,
      variant: 'ptq+qroar',
      rope: req.rope,
      tokens,
      contexts: req.reportContexts,
      tokenBudget: req.windows * L,
      maxWindows: req.windows,
      openEngine: async (seqLen) => {
        // perplexityCurve never disposes; hand it an engine that is released after its last window.
        const engine = await req.openEngine(seqLen, scales);
        opened.push(engine);
        return engine;
      },
    });
    return c.perplexity;
  };
  const opened: NllEngine[] = [];
  const measure = async (tokens: Int32Array, scales: Float64Array, label: string) => {
    try {
      return await curve(tokens, scales, label);
    } finally {
      for (const e of opened.splice(0)) await e.dispose();
    }
  };
  const cancelledResult = () => ({ ...base, cancelled: true, dev: null, test: null, shortContext: null, seconds: (performance.now() - started) / 1000 });
  if (req.signal?.aborted) return cancelledResult();
  const devBefore = await measure(req.devTokens, ones, 'dev before');
  const devAfter = await measure(req.devTokens, chosen, 'dev after');
  if (req.signal?.aborted) return cancelledResult();
  const testBefore = await measure(req.testTokens, ones, 'test before');
  const testAfter = await measure(req.testTokens, chosen, 'test after');
  const baseline = search.baseline;
  const best = search.best;
  return {
    ...base,
    dev: { contextTokens: [...req.reportContexts], before: devBefore, after: devAfter },
    test: { contextTokens: [...req.reportContexts], before: testBefore, after: testAfter },
    shortContext: { contextTokens: S, beforeNll: baseline.guard, afterNll: best.guard, withinGuard: best.guard <= baseline.guard + tolerance * Math.abs(baseline.guard) },
    seconds: (performance.now() - started) / 1000,
  };
}

/** Engine graphs the before/after measurement opens after the last candidate (dev and test, before and after). */
export const MEASUREMENT_GRAPHS = 4;

/**
 * Remaining time estimate (ms) from the mean duration of the candidates so far: the candidates
 * left plus the before/after measurement, each about one candidate's cost. Null before the first.
 */
export function searchEtaMs(elapsedMs: readonly number[], totalCandidates: number): number | null {
  if (elapsedMs.length === 0) return null;
  const mean = elapsedMs.reduce((a, b) => a + b, 0) / elapsedMs.length;
  return Math.max(0, totalCandidates - elapsedMs.length + MEASUREMENT_GRAPHS) * mean;
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
