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
  /** The PI rope of this method (lib/scenario/pressure scenarioRope). */
  rope: RopeConfig;
  /** Held-out token ids, Int32Array[n]. */
  tokens: Int32Array;
  contexts: number[];
  /** Tokens scored per context (windows = min(maxWindows, max(1, ⌊budget/C_max⌋))). */
  tokenBudget: number;
  maxWindows?: number;
  /**
   * Windows of the longest context, pinned: a count or 'all' whole windows of the text (either
   * capped by what the text holds); replaces tokenBudget and maxWindows when given.
   */
  windows?: number | 'all';

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
 * Perplexity at each C from the C-prefixes of the same windows of the longest context C_max —
 * exact for a causal model, since the NLL at position p of a C_max-window depends only on tokens
 * and rope tables at positions ≤ p. Length-independent methods: one graph at C_max, every
 * context read from its prefixes. Methods whose frequencies depend on the evaluated length
 * (dynamic NTK, longrope) need one run per distinct frequency set (graphRopeInputs
 * frequencyLengthTokens); each such group runs only the prefix it needs — a graph of the group's
 * longest context G over the first G tokens of every C_max window — so dynamic NTK at 8× costs
 * 1/8 + 1/4 + 1/2 + 1 window lengths instead of 4 (same numbers: the G-prefix is what the
 * C_max run would have computed there). Contexts with equal frequencies share a run.
 */
export async function perplexityCurve(req: CurveRequest): Promise<CurveResult> {
  const contexts = [...req.contexts].sort((a, b) => a - b);
  const longest = contexts[contexts.length - 1];
  const maxWindows = req.windows === undefined ? windowsForContext(longest, req.tokenBudget, req.maxWindows) : req.windows === 'all' ? undefined : req.windows;
  // 0 when the text is shorter than one window: evaluatePerplexity then refuses with both numbers.
  const windows = windowCount(req.tokens.length, longest, maxWindows);
  const firstOf = (context: number): number => (req.scoring ? firstScoredPrediction(req.scoring, context) : 0);
  const groups = frequencyGroups(req.rope, contexts);
  const byContext = new Map<number, ContextPerplexity>();
  let done = 0;
  for (const group of groups) {
    const groupLength = group[group.length - 1];
    // Per-window NLL of every prefix context, for the paired noise tests (lib/qroar/noise).
    const perWindowByContext = group.map(() => new Float64Array(Math.max(0, windows)));
    // Σ over windows of each window's scored NLL sum, added in window order: the mean is then
    // computed as lib/eval/perplexity computes it (sum / predictions), bit for bit at C = G.
    const totals = new Float64Array(group.length);
    const tables = graphRopeInputs(req.rope, groupLength, { frequencyLengthTokens: groupLength });
    const engine = await req.openEngine(groupLength);
    let full: ContextPerplexity;
    // Released when the group is done (the worker's session cache keeps it if another user holds it).
    try {
      [full] = await evaluatePerplexity({
        tokens: req.tokens,
        contexts: [groupLength],
        // The same windows as C_max's (never more): their prefixes, so every context sees the same text.
        maxWindows: Math.max(1, windows),
        windowStrideTokens: longest,
        scoring: req.scoring,
        prepare: async () => ({ engine, cos: tables.cos, sin: tables.sin }),
        onWindow: ({ windowIndex, nll }) => {
          group.forEach((context, k) => {
            const first = firstOf(context);
            let sum = 0;
            for (let p = first; p < context - 1; p++) sum += nll[p];
            totals[k] += sum;
            perWindowByContext[k][windowIndex] = sum / (context - 1 - first);
          });
          done++;
          const what = groups.length > 1 ? `, frequencies of ${groupLength}` : '';
          req.onProgress?.(done / (windows * groups.length), `${req.method} ${req.variant}: ${groupLength}-token window ${windowIndex + 1}/${windows}${what}`);
        },
      });
    } finally {
      await engine.dispose();
    }
    group.forEach((context, k) => {
      // The C-prefix of a window scored as its own window: llama-perplexity's BOS is at the prefix's first token too.
      const first = firstOf(context);
      const nll = totals[k] / (full.windows * (context - 1 - first));
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
