/**
 * When the Q-ROAR objective cannot move at all (SPEC §5, issue #13): the symmetric variant puts
 * g on the W_Q rows of a band and 1/g on its W_K rows. Every row-local weight quantizer (RTN by
 * row groups, per-channel RTN, GGUF blocks, MatMulNBits) satisfies Q(c·row) = c·Q(row), so each
 * logit q·k keeps g·(1/g) = 1 and the quantized model is the same function, up to float rounding.
 * Only a quantizer that couples rows of W_K's output — the key cache quantized per token, whose
 * scale spans every channel of a key — sees the magnitude move. Values are never rescaled, so a
 * values-only KV quantization does not count.
 *
 * A search of such a scenario would pick its "best" point on float noise; the drivers ask this
 * first and report the reason instead of candidates.
 */
import type { QroarVariant } from './transform';

export interface QuantCoupling {
  /** Weight quantizer is row-local (true for every weight quantizer this project offers). */
  weightsRowLocal: boolean;
  /** The key cache is quantized (KV target 'k' or 'kv'). */
  keysQuantized: boolean;
}

/** Why the objective is exactly invariant under the variant's scales, or null when it can change. */
export function objectiveInvariantReason(variant: QroarVariant, coupling: QuantCoupling): string | null {
  if (variant !== 'symmetric' || !coupling.weightsRowLocal || coupling.keysQuantized) return null;
  return (
    'symmetric scales W_Q by g and W_K by 1/g; the weight quantizer works row by row, so Q(g·w) = g·Q(w), and the key cache is not quantized, ' +
    'so every logit keeps g·(1/g) = 1 — the search cannot change the objective and was not run (g = 1 for every band). ' +
    'Quantize the key cache (KV int8/int4, keys) or choose the shared or query-only variant.'
  );
}
