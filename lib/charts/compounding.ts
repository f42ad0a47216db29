/**
 * The compounding view's numbers (issue #12 item 2): how much quantization costs at each context
 * under each PI method, before and after Q-ROAR. Laid out from perplexity-curve results already
 * computed (lib/scenario/perplexityCurve), no engine runs of its own; every function is linear in the
 * data size so the page can call it on the main thread.
 *
 * Definitions, ours:
 * - relative gap at context C = PPL_PTQ(C) / PPL_FP(C) − 1 (0.1 = quantization costs 10 % perplexity);
 * - absolute gap at C = PPL_PTQ(C) − PPL_FP(C) (perplexity units);
 * - per-position gap over the longest window C_max: NLL_PTQ(m) − NLL_FP(m) in nats, m = 1 … C_max − 1
 *   the number of tokens seen when predicting (prediction index p = m − 1), averaged over the
 *   predictions in log-spaced bins of m. Both NLLs are the mean over the same windows.
 * 'before' compares PTQ with FP at g = 1; 'after' compares PTQ + Q-ROAR with FP + Q-ROAR — the same
 * scales on both sides, so the after gap is what quantization still costs once the scales are in.
 */
import type { PplCurve } from './types';

export type CompoundingStage = 'before' | 'after';

/** Gap against context for one PI method and stage; arrays [contexts], ascending contexts. */
export interface ContextGapSeries {
  method: string;
  stage: CompoundingStage;
  contextTokens: number[];
  /** PPL_PTQ / PPL_FP − 1, dimensionless. */
  relativeGap: number[];
  /** PPL_PTQ − PPL_FP, perplexity units. */
  absoluteGap: number[];
}

/** Per-position NLL gap over the longest window, binned; arrays [bins]. */
export interface PositionGapSeries {
  method: string;
  stage: CompoundingStage;
  /** The window length C_max the positions lie in (tokens). */
  windowTokens: number;
  /** Bin i covers positions m in [binLo[i], binHi[i]) (tokens seen); centre = geometric mean of its ends. */
  binLo: number[];
  binHi: number[];
  centreTokens: number[];
  /** Mean of NLL_PTQ(m) − NLL_FP(m) over the bin's positions, nats/token. */
  nllGapNats: number[];
}

export interface CompoundingData {
  contexts: ContextGapSeries[];
  positions: PositionGapSeries[];
  trainedWindowTokens: number;
}

/** One curve result as the compounding view needs it: the curve and each context's per-position NLL [C − 1]. */
export interface CurveLike {
  curve: PplCurve;
  perContext?: ReadonlyArray<{ context: number; perPositionNll: ArrayLike<number> }>;
}

/** The curves of one PI method; absent ones are skipped (e.g. no Q-ROAR applied). */
export interface MethodCurves {
  method: string;
  fp?: CurveLike;
  ptq?: CurveLike;
  ptqQroar?: CurveLike;
  fpQroar?: CurveLike;
}

/** Position bins per octave of m (2 → edges at 1, √2, 2, 2√2, … rounded to whole tokens). */
export const POSITION_BINS_PER_OCTAVE = 2;

/**
 * Gap series from a PTQ and an FP curve of one method: one point per context both curves hold
 * (ascending); NaN where either perplexity is not positive and finite.
 */
export function contextGap(method: string, stage: CompoundingStage, ptq: PplCurve, fp: PplCurve): ContextGapSeries {
  const fpAt = new Map<number, number>();
  fp.contextTokens.forEach((c, i) => fpAt.set(c, fp.perplexity[i]));
  const rows: Array<[number, number, number]> = [];
  ptq.contextTokens.forEach((c, i) => {
    const f = fpAt.get(c);
    if (f === undefined) return;
    rows.push([c, ptq.perplexity[i], f]);
  });
  rows.sort((a, b) => a[0] - b[0]);
  // A perplexity that blew up (∞) or is missing gives a gap in the line, not a made-up number.
  const ok = (q: number, f: number) => q > 0 && f > 0 && Number.isFinite(q) && Number.isFinite(f);
  return {
    method,
    stage,
    contextTokens: rows.map((r) => r[0]),
    relativeGap: rows.map(([, q, f]) => (ok(q, f) ? q / f - 1 : Number.NaN)),
    absoluteGap: rows.map(([, q, f]) => (ok(q, f) ? q - f : Number.NaN)),
  };
}

/**
 * Log-spaced integer bin edges over positions m = 1 … maxPosition: ascending, unique, first 1,
 * last maxPosition + 1 (so every position falls in exactly one bin [edge_i, edge_{i+1})).
 */
export function logPositionEdges(maxPosition: number, binsPerOctave = POSITION_BINS_PER_OCTAVE): number[] {
  if (!(Number.isInteger(maxPosition) && maxPosition >= 1)) throw new Error(`logPositionEdges: maxPosition must be an integer ≥ 1, got ${maxPosition}`);
  if (!(binsPerOctave >= 1)) throw new Error(`logPositionEdges: binsPerOctave must be ≥ 1, got ${binsPerOctave}`);
  const edges = [1];
  for (let k = 1; ; k++) {
    const e = Math.round(Math.pow(2, k / binsPerOctave));
    if (e > maxPosition) break;
    if (e > edges[edges.length - 1]) edges.push(e);
  }
  edges.push(maxPosition + 1);
  return edges;
}

/**
 * Binned NLL_PTQ − NLL_FP. Input: ptqNll, fpNll [C − 1] (prediction p sees m = p + 1 tokens),
 * nats, means over the same windows. Output bins over m from logPositionEdges(C − 1); a bin with
 * no finite pair is dropped.
 */
export function positionGap(
  method: string,
  stage: CompoundingStage,
  ptqNll: ArrayLike<number>,
  fpNll: ArrayLike<number>,
  binsPerOctave = POSITION_BINS_PER_OCTAVE,
): PositionGapSeries {
  const predictions = ptqNll.length;
  if (fpNll.length !== predictions)
    throw new Error(`positionGap: ${method} has ${predictions} PTQ predictions and ${fpNll.length} FP ones; both must cover the same window`);
  if (predictions < 1) throw new Error(`positionGap: ${method} has no predictions`);
  const edges = logPositionEdges(predictions, binsPerOctave);
  const out: PositionGapSeries = { method, stage, windowTokens: predictions + 1, binLo: [], binHi: [], centreTokens: [], nllGapNats: [] };
  for (let b = 0; b + 1 < edges.length; b++) {
    const lo = edges[b];
    const hi = edges[b + 1];
    let sum = 0;
    let n = 0;
    for (let m = lo; m < hi; m++) {
      const d = ptqNll[m - 1] - fpNll[m - 1];
      if (Number.isFinite(d)) {
        sum += d;
        n++;
      }
    }
    if (n === 0) continue;
    out.binLo.push(lo);
    out.binHi.push(hi);
    out.centreTokens.push(Math.sqrt(lo * (hi - 1)));
    out.nllGapNats.push(sum / n);
  }
  return out;
}

/** The longest context's per-position NLL of a curve result, or null when it holds none. */
function longestWindow(r: CurveLike): { context: number; nll: ArrayLike<number> } | null {
  const per = r.perContext;
  if (!per || per.length === 0) return null;
  let best = per[0];
  for (const p of per) if (p.context > best.context) best = p;
  return { context: best.context, nll: best.perPositionNll };
}

function pairOf(method: string, stage: CompoundingStage, ptq: CurveLike | undefined, fp: CurveLike | undefined, data: CompoundingData): void {
  if (!ptq || !fp) return;
  data.contexts.push(contextGap(method, stage, ptq.curve, fp.curve));
  const q = longestWindow(ptq);
  const f = longestWindow(fp);
  if (q && f && q.context === f.context) data.positions.push(positionGap(method, stage, q.nll, f.nll));
}

/**
 * All series of the compounding view: per method, 'before' from (ptq, fp) and 'after' from
 * (ptqQroar, fpQroar) when both are present. Per-position series need both results' per-position
 * NLL at the same longest context.
 */
export function compoundingData(methods: readonly MethodCurves[], trainedWindowTokens: number): CompoundingData {
  const data: CompoundingData = { contexts: [], positions: [], trainedWindowTokens };
  for (const m of methods) {
    pairOf(m.method, 'before', m.ptq, m.fp, data);
    pairOf(m.method, 'after', m.ptqQroar, m.fpQroar, data);
  }
  return data;
}

/** Groups curves (from one run or a report) by method and variant, in first-seen method order. */
export function methodCurvesOf(results: readonly CurveLike[]): MethodCurves[] {
  const byMethod = new Map<string, MethodCurves>();
  for (const r of results) {
    const m = byMethod.get(r.curve.method) ?? { method: r.curve.method };
    byMethod.set(r.curve.method, m);
    if (r.curve.variant === 'fp') m.fp = r;
    else if (r.curve.variant === 'ptq') m.ptq = r;
    else if (r.curve.variant === 'ptq+qroar') m.ptqQroar = r;
    else m.fpQroar = r;
  }
  return [...byMethod.values()];
}
