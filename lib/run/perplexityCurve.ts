/**
 * One perplexity-vs-context curve (SPEC §4) for a PI method and a weight variant, sequenced over
 * an injected engine opener so it runs against the browser worker or a Node runner alike.
 */
import type { PplCurve } from '../charts/types';
import type { NllEngine } from '../eval/engine';
import { evaluatePerplexity, windowCount, type ContextPerplexity } from '../eval/perplexity';
import { graphRopeInputs } from '../eval/ropeInputs';
import { firstScoredPrediction, type WindowScoring } from '../eval/scoring';
import { ropeFrequencies } from '../rope/frequencies';
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
 * One graph at the longest context C_max, and perplexity at each shorter C from the prefixes of
 * those windows — exact for a causal model, since the NLL at position p of a C_max-window depends
 * only on tokens and rope tables at positions ≤ p. Methods whose frequencies depend on the
 * evaluated length (dynamic NTK, longrope) run the same C_max windows once per distinct frequency
 * set, with that context's tables (graphRopeInputs frequencyLengthTokens): the C-prefix then sees
 * exactly what a C-token run with its own base sees. Contexts with equal frequencies (dynamic at
 * C ≤ L) share a run. One session per variant, whatever the method.
 */
export async function perplexityCurve(req: CurveRequest): Promise<CurveResult> {
  const contexts = [...req.contexts].sort((a, b) => a - b);
  const longest = contexts[contexts.length - 1];
  const maxWindows = windowsForContext(longest, req.tokenBudget, req.maxWindows);
  // 0 when the text is shorter than one window: evaluatePerplexity then refuses with both numbers.
  const windows = windowCount(req.tokens.length, longest, maxWindows);
  const firstOf = (context: number): number => (req.scoring ? firstScoredPrediction(req.scoring, context) : 0);
  const groups = frequencyGroups(req.rope, contexts);
  const engine = await req.openEngine(longest);
  const byContext = new Map<number, ContextPerplexity>();
  let done = 0;
  // Released when the curve is done (the worker's session cache keeps it if another user holds it).
  try {
    for (const group of groups) {
      // Per-window NLL of every prefix context, for the paired noise tests (lib/qroar/noise).
      const perWindowByContext = group.map(() => new Float64Array(Math.max(0, windows)));
      const tables = graphRopeInputs(req.rope, longest, { frequencyLengthTokens: group[group.length - 1] });
      const [full] = await evaluatePerplexity({
        tokens: req.tokens,
        contexts: [longest],
        maxWindows,
        scoring: req.scoring,
        prepare: async () => ({ engine, cos: tables.cos, sin: tables.sin }),
        onWindow: ({ windowIndex, nll }) => {
          group.forEach((context, k) => {
            const first = firstOf(context);
            let sum = 0;
            for (let p = first; p < context - 1; p++) sum += nll[p];
            perWindowByContext[k][windowIndex] = sum / (context - 1 - first);
          });
          done++;
          const what = groups.length > 1 ? `, frequencies of ${group[group.length - 1]}` : '';
          req.onProgress?.(done / (windows * groups.length), `${req.method} ${req.variant}: ${longest}-token window ${windowIndex + 1}/${windows}${what}`);
        },
      });
      group.forEach((context, k) => {
        // The C-prefix of a window scored as its own window: llama-perplexity's BOS is at the prefix's first token too.
        const first = firstOf(context);
        let sum = 0;
        for (let p = first; p < context - 1; p++) sum += full.perPositionNll[p];
        const nll = sum / (context - 1 - first);
        byContext.set(context, {
          ...full,
          context,
          tokens: full.windows * context,
          predictions: full.windows * (context - 1 - first),
          firstScoredPrediction: first,
          nll,
          ppl: Math.exp(nll),
          perPositionNll: full.perPositionNll.slice(0, context - 1),
          perWindowNll: perWindowByContext[k],
        });
      });
    }
  } finally {
    await engine.dispose();
  }
  const perContext = contexts.map((c) => byContext.get(c)!);
  return {
    curve: { method: req.method, variant: req.variant, contextTokens: contexts, perplexity: perContext.map((r) => r.ppl) },
    perContext,
  };
}

/**
 * Contexts (ascending) grouped by identical rope frequencies and attention factor: one group for
 * length-independent methods; for dynamic NTK / longrope, one per distinct evaluated-length result.
 */
export function frequencyGroups(rope: RopeConfig, contextsAscending: number[]): number[][] {
  if (rope.type !== 'dynamic' && rope.type !== 'longrope') return [contextsAscending.slice()];
  const groups = new Map<string, number[]>();
  for (const c of contextsAscending) {
    const f = ropeFrequencies(rope, { sequenceLengthTokens: c });
    const key = `${f.attentionFactor}|${Array.from(f.invFreqRadPerToken).join(',')}`;
    const g = groups.get(key);
    if (g) g.push(c);
    else groups.set(key, [c]);
  }
  return [...groups.values()];
}
