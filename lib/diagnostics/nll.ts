import { logSumExp } from './kl';

/**
 * Token negative log-likelihood from logits: −log softmax(x)[target] = LSE(x) − x[target], nats.
 * Input: logits[vocab], targetTokenId in 0…vocab − 1.
 */
export function tokenNll(logits: ArrayLike<number>, targetTokenId: number): number {
  const vocab = logits.length;
  if (!Number.isInteger(targetTokenId) || targetTokenId < 0 || targetTokenId >= vocab) {
    throw new Error(`tokenNll: target ${targetTokenId} outside vocab 0…${vocab - 1}`);
  }
  return logSumExp(logits) - logits[targetTokenId];
}

/**
 * Per-position NLL. Input: logits Float32Array [positions, vocab] (vocab contiguous), where row p
 * predicts targetTokenIds[p] (Int32Array [positions] — the caller shifts by one). Output Float64Array [positions], nats.
 */
export function tokenNllRows(logits: Float32Array, targetTokenIds: Int32Array, positions: number, vocab: number): Float64Array {
  if (logits.length !== positions * vocab) throw new Error(`tokenNllRows: logits length ${logits.length} ≠ positions ${positions} × vocab ${vocab}`);
  if (targetTokenIds.length !== positions) throw new Error(`tokenNllRows: ${targetTokenIds.length} targets for ${positions} positions`);
  const out = new Float64Array(positions);
  for (let p = 0; p < positions; p++) {
    const target = targetTokenIds[p];
    if (target < 0 || target >= vocab) throw new Error(`tokenNllRows: target ${target} at position ${p} outside vocab 0…${vocab - 1}`);
    out[p] = logSumExp(logits, p * vocab, vocab) - logits[p * vocab + target];
  }
  return out;
}
