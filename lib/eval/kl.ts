import { EvalInputError } from './errors';
import type { ContextRun } from './perplexity';
import { windowCount } from './perplexity';

/**
 * Add KL(P_ref ‖ P_test) of each row to `klSumByRow`. Inputs: logits float32 [rows, vocab]
 * (vocab contiguous), same shape; output accumulator Float64Array[rows], nats. Stable
 * log-sum-exp per row; no allocation.
 */
export function addRowKlInPlace(refLogits: Float32Array, testLogits: Float32Array, rows: number, vocab: number, klSumByRow: Float64Array): void {
  if (refLogits.length !== rows * vocab || testLogits.length !== rows * vocab) {
    throw new Error(`logits have ${refLogits.length}/${testLogits.length} values, expected [${rows}, ${vocab}]`);
  }
  if (klSumByRow.length !== rows) throw new Error(`accumulator has ${klSumByRow.length} rows, expected ${rows}`);
  for (let r = 0; r < rows; r++) {
    const base = r * vocab;
    let maxRef = -Infinity;
    let maxTest = -Infinity;
    for (let v = 0; v < vocab; v++) {
      if (refLogits[base + v] > maxRef) maxRef = refLogits[base + v];
      if (testLogits[base + v] > maxTest) maxTest = testLogits[base + v];
    }
    let sumRef = 0;
    let sumTest = 0;
    for (let v = 0; v < vocab; v++) {
      sumRef += Math.exp(refLogits[base + v] - maxRef);
      sumTest += Math.exp(testLogits[base + v] - maxTest);
    }
    const lseRef = maxRef + Math.log(sumRef);
    const lseTest = maxTest + Math.log(sumTest);
    let kl = 0;
    for (let v = 0; v < vocab; v++) {
      const logP = refLogits[base + v] - lseRef;
      const logQ = testLogits[base + v] - lseTest;
      kl += Math.exp(logP) * (logP - logQ);
    }
    klSumByRow[r] += kl;
  }
}

export interface StreamingKlResult {
  context: number;
  windows: number;
  /** Float64Array[C]: mean over windows of KL(ref ‖ test) of the next-token distribution at position p. */
  perPositionKl: Float64Array;
  /** Mean over all positions and windows, nats. */
  meanKl: number;
}

/**
 * Per-position KL(full precision ‖ quantized), streamed: both engines (built with logits) run
 * each window, the logits are reduced to per-position KL at once and dropped.
 */
export async function streamingKl(opts: {
  tokens: Int32Array;
  context: number;
  vocabSize: number;
  maxWindows?: number;
  reference: ContextRun;
  test: ContextRun;
}): Promise<StreamingKlResult> {
  const { tokens, context, vocabSize, reference, test } = opts;
  const windows = windowCount(tokens.length, context, opts.maxWindows);
  if (windows === 0) throw new EvalInputError(`the text has ${tokens.length} tokens, fewer than one window of ${context}`);
  const acc = new Float64Array(context);
  for (let w = 0; w < windows; w++) {
    const ids = tokens.subarray(w * context, (w + 1) * context);
    const ref = await reference.engine.run({ ids, cos: reference.cos, sin: reference.sin });
    const tst = await test.engine.run({ ids, cos: test.cos, sin: test.sin });
    if (!ref.logits || !tst.logits) throw new Error('streamingKl needs engines whose graphs output logits');
    addRowKlInPlace(ref.logits, tst.logits, context, vocabSize, acc);
  }
  let total = 0;
  for (let p = 0; p < context; p++) {
    acc[p] /= windows;
    total += acc[p];
  }
  return { context, windows, perPositionKl: acc, meanKl: total / context };
}
