/**
 * Per-position KL divergence of the quantized model's next-token distribution from the
 * reference one (SPEC §4, "streamed, no logit files"): KL(P_ref ‖ P_quant) in nats, from raw
 * logits, with max-subtracted log-sum-exp so large logits never overflow.
 *   KL = Σ_v p_v (log p_v − log q_v),  log p_v = x_v − LSE(x), log q_v = y_v − LSE(y).
 * Vocabulary entries with p_v = 0 (logit −Infinity in the reference) contribute 0.
 */

/**
 * log Σ_v exp(x_v) of one row, stable. Input: logits[vocab] (vocab ≥ 1), nats.
 * All −Infinity gives −Infinity.
 */
export function logSumExp(logits: ArrayLike<number>, offset = 0, length = logits.length - offset): number {
  if (length < 1) throw new Error(`logSumExp: empty row (length ${length})`);
  let max = -Infinity;
  for (let v = 0; v < length; v++) if (logits[offset + v] > max) max = logits[offset + v];
  if (Number.isNaN(max)) throw new Error('logSumExp: NaN logit');
  if (max === -Infinity) return -Infinity;
  let sum = 0;
  for (let v = 0; v < length; v++) sum += Math.exp(logits[offset + v] - max);
  return max + Math.log(sum);
}

/**
 * KL(P_ref ‖ P_quant) for one position. Input: refLogits[vocab], quantLogits[vocab]; output ≥ 0 nats
 * (clamped at 0 against rounding).
 */
export function klDivergenceRow(refLogits: ArrayLike<number>, quantLogits: ArrayLike<number>): number {
  if (refLogits.length !== quantLogits.length) throw new Error(`klDivergenceRow: vocab ${refLogits.length} vs ${quantLogits.length}`);
  return klAt(refLogits, quantLogits, 0, refLogits.length);
}

/**
 * KL(P_ref ‖ P_quant) per position. Input: refLogits, quantLogits Float32Array [positions, vocab],
 * vocab contiguous. Output: Float64Array [positions], nats.
 */
export function klDivergenceRows(refLogits: Float32Array, quantLogits: Float32Array, positions: number, vocab: number): Float64Array {
  if (refLogits.length !== positions * vocab || quantLogits.length !== positions * vocab) {
    throw new Error(`klDivergenceRows: lengths ${refLogits.length}, ${quantLogits.length} ≠ positions ${positions} × vocab ${vocab} = ${positions * vocab}`);
  }
  const out = new Float64Array(positions);
  for (let p = 0; p < positions; p++) out[p] = klAt(refLogits, quantLogits, p * vocab, vocab);
  return out;
}

function klAt(x: ArrayLike<number>, y: ArrayLike<number>, offset: number, vocab: number): number {
  const lseX = logSumExp(x, offset, vocab);
  const lseY = logSumExp(y, offset, vocab);
  let kl = 0;
  for (let v = 0; v < vocab; v++) {
    const logP = x[offset + v] - lseX;
    if (logP === -Infinity) continue;
    kl += Math.exp(logP) * (logP - (y[offset + v] - lseY));
  }
  return kl > 0 ? kl : 0;
}
