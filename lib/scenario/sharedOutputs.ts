/**
 * Which outputs the diagnostics' tapped graphs have at a given T, so a perplexity curve over the
 * same weights can build the very same graph and share its engine session (the graph does not
 * depend on the PI method: RoPE tables are inputs). A perplexity run fetches only `nll`; the
 * unfetched tap and logits outputs cost the runtime their bytes for the run, so graphs share only
 * while those stay under SHARED_OUTPUTS_BUDGET_BYTES.
 */
import type { ModelSpec } from '../model/spec';

/** Tap + logits bytes a perplexity graph may carry unused to share a session (built-in model at 2048: 38 MiB). */
export const SHARED_OUTPUTS_BUDGET_BYTES = 64 * 1024 * 1024;

export interface DiagnosticsGraphShape {
  /** L′: the long tapped runs (logits too when the scenario is quantized). */
  longTokens: number;
  /** The short full-precision tapped run. */
  shortTokens: number;
  quantized: boolean;
}

export interface DiagnosticsGraphOutputs {
  tapLayers: number[];
  logits: boolean;
}

/** The tapped graph of the diagnostics' run at `seqLen` (lib/scenario/diagnosticsRuns opens exactly these). */
export function diagnosticsGraphOutputs(numLayers: number, seqLen: number, shape: DiagnosticsGraphShape): DiagnosticsGraphOutputs {
  return { tapLayers: Array.from({ length: numLayers }, (_, l) => l), logits: seqLen === shape.longTokens && shape.quantized };
}

/**
 * The outputs a perplexity graph of T = seqLen takes on to be the diagnostics' graph, or null when
 * no diagnostics run has that length or its outputs would cost more than the budget.
 * Bytes: every layer's q_pre, q_post [T, heads, headDim] and k_pre, k_post [T, kvHeads, headDim]
 * float32, plus logits [T, vocab] float32 at L′.
 */
export function sharedDiagnosticsOutputs(
  spec: Pick<ModelSpec, 'numLayers' | 'numHeads' | 'numKvHeads' | 'headDim' | 'vocabSize'>,
  seqLen: number,
  shape: DiagnosticsGraphShape,
  budgetBytes = SHARED_OUTPUTS_BUDGET_BYTES,
): DiagnosticsGraphOutputs | null {
  if (seqLen !== shape.longTokens && seqLen !== shape.shortTokens) return null;
  const outputs = diagnosticsGraphOutputs(spec.numLayers, seqLen, shape);
  const tapBytes = spec.numLayers * seqLen * 2 * (spec.numHeads + spec.numKvHeads) * spec.headDim * 4;
  const logitsBytes = outputs.logits ? seqLen * spec.vocabSize * 4 : 0;
  return tapBytes + logitsBytes <= budgetBytes ? outputs : null;
}
