/**
 * One perplexity-vs-context curve (SPEC §4) for a PI method and a weight variant, sequenced over
 * an injected engine opener so it runs against the browser worker or a Node runner alike.
 */
import type { PplCurve } from '../charts/types';
import type { NllEngine } from '../eval/engine';
import { evaluatePerplexity, type ContextPerplexity } from '../eval/perplexity';
import { graphRopeInputs } from '../eval/ropeInputs';
import { firstScoredPrediction, type WindowScoring } from '../eval/scoring';
import type { RopeConfig } from '../rope/types';
import { windowsForContext } from './contexts';

export interface CurveRequest {
  method: string;
  variant: PplCurve['variant'];
  /** The PI rope of this method (lib/run/pressure scenarioRope). */
  rope: RopeConfig;
  /** Held-out token ids, Int32Array[n]. */
  tokens: Int32Array;
  contexts: number[];
  /** Tokens scored per context (windows = min(maxWindows, max(1, ⌊budget/C⌋))). */
  tokenBudget: number;
  maxWindows?: number;
  /** Opens an engine whose graph is fixed to T = seqLen (weights already quantized for 'ptq'); disposed after its context. */
  openEngine: (seqLen: number) => Promise<NllEngine>;
  onProgress?: (fraction: number, message: string) => void;
  /** Which predictions count (lib/eval/scoring.ts); default bandscope. */
  scoring?: WindowScoring;
}

export interface CurveResult {
  curve: PplCurve;
  perContext: ContextPerplexity[];
}

/**
 * Static PI methods: one graph at the longest context C_max, and perplexity at each shorter C from
 * the prefixes of those windows — exact for a causal model, since the NLL at position p of a
 * C_max-window is the NLL at p of the C-window that starts at the same token. One session per
 * variant instead of one per context. Dynamic NTK changes its base with the evaluated length, so
 * it (and longrope) runs each context in its own graph.
 */
export async function perplexityCurve(req: CurveRequest): Promise<CurveResult> {
  const lengthDependent = req.rope.type === 'dynamic' || req.rope.type === 'longrope';
  return lengthDependent ? perContextCurve(req) : prefixCurve(req);
}

async function prefixCurve(req: CurveRequest): Promise<CurveResult> {
  const contexts = [...req.contexts].sort((a, b) => a - b);
  const longest = contexts[contexts.length - 1];
  const windows = Math.min(windowsForContext(longest, req.tokenBudget, req.maxWindows), Math.floor(req.tokens.length / longest));
  // The C-prefix of a window scored as its own window: llama-perplexity's BOS is at the prefix's first token too.
  const firstOf = (context: number): number => (req.scoring ? firstScoredPrediction(req.scoring, context) : 0);
  // Per-window NLL of every prefix context, for the paired noise tests (lib/qroar/noise).
  const perWindowByContext = contexts.map(() => new Float64Array(Math.max(0, windows)));
  const [full] = await evaluatePerplexity({
    tokens: req.tokens,
    contexts: [longest],
    maxWindows: windows,
    scoring: req.scoring,
    prepare: async (c) => {
      const engine = await req.openEngine(c);
      const { cos, sin } = graphRopeInputs(req.rope, c);
      return { engine, cos, sin, release: () => engine.dispose() };
    },
    onWindow: ({ windowIndex, windows: n, nll }) => {
      contexts.forEach((context, k) => {
        const first = firstOf(context);
        let sum = 0;
        for (let p = first; p < context - 1; p++) sum += nll[p];
        perWindowByContext[k][windowIndex] = sum / (context - 1 - first);
      });
      req.onProgress?.((windowIndex + 1) / n, `${req.method} ${req.variant}: ${longest}-token window ${windowIndex + 1}/${n}`);
    },
  });
  const perContext: ContextPerplexity[] = contexts.map((context, k) => {
    const first = firstOf(context);
    let sum = 0;
    for (let p = first; p < context - 1; p++) sum += full.perPositionNll[p];
    const nll = sum / (context - 1 - first);
    return {
      ...full,
      context,
      tokens: full.windows * context,
      predictions: full.windows * (context - 1 - first),
      firstScoredPrediction: first,
      nll,
      ppl: Math.exp(nll),
      perPositionNll: full.perPositionNll.slice(0, context - 1),
      perWindowNll: perWindowByContext[k],
    };
  });
  return {
    curve: { method: req.method, variant: req.variant, contextTokens: contexts, perplexity: perContext.map((r) => r.ppl) },
    perContext,
  };
}

async function perContextCurve(req: CurveRequest): Promise<CurveResult> {
  const totalWindows = req.contexts.reduce((a, c) => a + windowsForContext(c, req.tokenBudget, req.maxWindows), 0);
  let done = 0;
  const perContext: ContextPerplexity[] = [];
  // evaluatePerplexity takes one maxWindows for all contexts; the budget varies by C, so go one context at a time.
  for (const context of req.contexts) {
    const [result] = await evaluatePerplexity({
      tokens: req.tokens,
      contexts: [context],
      maxWindows: windowsForContext(context, req.tokenBudget, req.maxWindows),
      scoring: req.scoring,
      prepare: async (c) => {
        const engine = await req.openEngine(c);
        const { cos, sin } = graphRopeInputs(req.rope, c);
        return { engine, cos, sin, release: () => engine.dispose() };
      },
      onWindow: ({ windowIndex, windows }) => {
        done++;
        req.onProgress?.(done / totalWindows, `${req.method} ${req.variant}: context ${context}, window ${windowIndex + 1}/${windows}`);
      },
    });
    perContext.push(result);
  }
  return {
    curve: { method: req.method, variant: req.variant, contextTokens: perContext.map((r) => r.context), perplexity: perContext.map((r) => r.ppl) },
    perContext,
  };
}
