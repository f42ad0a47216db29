import { EvalInputError } from './errors';
import type { NllEngine } from './engine';
import { BANDSCOPE_SCORING, firstScoredPrediction, windowInputIds, type WindowScoring } from './scoring';

/** What the caller prepares for one context length C: an engine built for T = C and its rope tables. */
export interface ContextRun {
  engine: NllEngine;
  /** float32 [C, headDim] (lib/eval/ropeInputs `graphRopeInputs`; dynamic NTK: base for C). */
  cos: Float32Array;
  sin: Float32Array;
  /** Released after the context is done (e.g. engine.dispose). */
  release?: () => Promise<void>;
}

export interface PerplexityOptions {
  /** The token stream, Int32Array[n]. */
  tokens: Int32Array;
  /** Context lengths C to evaluate (each ≥ 2). */
  contexts: number[];
  /** Use at most the first N windows of each context (default: every whole window). */
  maxWindows?: number;
  /**
   * Window w starts at token w × stride (default: the context C, i.e. tiled windows). A stride
   * above C scores the C-prefixes of longer tiled windows (lib/scenario/perplexityCurve).
   */
  windowStrideTokens?: number;
  prepare: (context: number) => Promise<ContextRun>;
  /** Which predictions are scored and what each window is fed (lib/eval/scoring.ts; default: bandscope). */
  scoring?: WindowScoring;
  /** Called after every window; `nll` [C − 1] is that window's per-prediction NLL, valid during the call only. */
  onWindow?: (p: { context: number; windowIndex: number; windows: number; nll: Float32Array }) => void;
  /** Monotonic clock in ms (default performance.now). */
  nowMs?: () => number;
}

export interface ContextPerplexity {
  context: number;
  windows: number;
  /** Tokens fed to the model: windows × C. */
  tokens: number;
  /** Next-token predictions scored: windows × (C − 1), or windows × (C − 1 − ⌊C/2⌋) in llama-perplexity scoring. */
  predictions: number;
  /** Index of the first scored prediction within a window (0, or ⌊C/2⌋ in llama-perplexity scoring). */
  firstScoredPrediction: number;
  /** Mean NLL over the scored predictions, nats. */
  nll: number;
  ppl: number;
  /** Wall time of the window runs (graph build and session creation excluded). */
  seconds: number;
  /** tokens / seconds. */
  tokensPerSecond: number;
  /** Float64Array[C − 1]: mean NLL of the prediction at position p + 1 over windows. */
  perPositionNll: Float64Array;
  /** Float64Array[windows]: mean NLL of each window over its C − 1 predictions (for paired noise tests). */
  perWindowNll: Float64Array;
}

/** Number of whole windows of length C starting every `strideTokens` (default C) in n tokens, capped by maxWindows. */
export function windowCount(tokenCount: number, context: number, maxWindows?: number, strideTokens = context): number {
  const whole = tokenCount < context ? 0 : Math.floor((tokenCount - context) / strideTokens) + 1;
  return maxWindows === undefined ? whole : Math.min(whole, maxWindows);
}

/**
 * Perplexity of a token stream at each context C: window w covers tokens [w·S, w·S + C) (stride
 * S = C unless windowStrideTokens says otherwise) and
 * is scored on its C − 1 next-token predictions (or as `scoring` says: lib/eval/scoring.ts); the
 * first `maxWindows` windows are used. perPositionNll always covers all C − 1 predictions.
 * Throws when the text holds no whole window of some C.
 */
export async function evaluatePerplexity(opts: PerplexityOptions): Promise<ContextPerplexity[]> {
  const { tokens, contexts } = opts;
  const nowMs = opts.nowMs ?? (() => performance.now());
  if (opts.maxWindows !== undefined && !(Number.isInteger(opts.maxWindows) && opts.maxWindows >= 1)) {
    throw new EvalInputError(`maxWindows must be a positive integer, got ${opts.maxWindows}`);
  }
  const results: ContextPerplexity[] = [];
  for (const context of contexts) {
    if (!Number.isInteger(context) || context < 2) throw new EvalInputError(`context must be an integer ≥ 2, got ${context}`);
    const stride = opts.windowStrideTokens ?? context;
    if (!(Number.isInteger(stride) && stride >= context))
      throw new EvalInputError(`windowStrideTokens must be an integer ≥ the context ${context}, got ${stride}`);
    const windows = windowCount(tokens.length, context, opts.maxWindows, stride);
    if (windows === 0) throw new EvalInputError(`the text has ${tokens.length} tokens, fewer than one window of ${context}`);
    const scoring = opts.scoring ?? BANDSCOPE_SCORING;
    const first = firstScoredPrediction(scoring, context);
    if (first > context - 2) throw new EvalInputError(`a window of ${context} tokens leaves no prediction to score from position ${first}`);
    const run = await opts.prepare(context);
    if (run.engine.seqLen !== context) throw new Error(`engine built for ${run.engine.seqLen} tokens, context is ${context}`);
    const perPosition = new Float64Array(context - 1);
    const perWindow = new Float64Array(windows);
    let sum = 0;
    let elapsedMs = 0;
    try {
      for (let w = 0; w < windows; w++) {
        const ids = windowInputIds(scoring, tokens.subarray(w * stride, w * stride + context));
        const started = nowMs();
        const { nll } = await run.engine.run({ ids, cos: run.cos, sin: run.sin });
        elapsedMs += nowMs() - started;
        if (nll.length !== context - 1) throw new Error(`engine returned ${nll.length} NLL values for a window of ${context}`);
        let windowSum = 0;
        for (let p = 0; p < context - 1; p++) {
          perPosition[p] += nll[p];
          if (p >= first) windowSum += nll[p];
        }
        sum += windowSum;
        perWindow[w] = windowSum / (context - 1 - first);
        opts.onWindow?.({ context, windowIndex: w, windows, nll });
      }
    } finally {
      await run.release?.();
    }
    for (let p = 0; p < context - 1; p++) perPosition[p] /= windows;
    const predictions = windows * (context - 1 - first);
    const nll = sum / predictions;
    const seconds = elapsedMs / 1000;
    results.push({
      context,
      windows,
      tokens: windows * context,
      predictions,
      firstScoredPrediction: first,
      nll,
      ppl: Math.exp(nll),
      seconds,
      tokensPerSecond: seconds > 0 ? (windows * context) / seconds : 0,
      perPositionNll: perPosition,
      perWindowNll: perWindow,
    });
  }
  return results;
}
