/**
 * The ends of the layer-streamed engine: the token embedding as a plain row gather (no graph), and
 * the head graph — final RMSNorm + the chunked LM head of lmHead.ts (streaming log-sum-exp) → `nll`,
 * with `logits` only when asked. The head's weight chunks and the final norm are graph inputs fed
 * as views of the one stored matrix (a tied embedding is the same array as the gather's table), so
 * the head session holds no copy of the vocabulary matrix.
 */
import type { ModelSpec } from '../model/spec';
import { rmsNormOp } from './decoderLayer';
import { GraphBuilder } from './graphBuilder';
import { chunkedHead, DEFAULT_HEAD_BUDGET_BYTES, headVocabChunks, type VocabChunk } from './lmHead';
import { OnnxDataType } from './proto';

/**
 * Rows `ids` of `table` [vocab, hidden] (hidden contiguous) → float32 [T, hidden], T = ids.length:
 * the embedding lookup, a bit-exact copy. Throws on an id outside 0…vocab−1 (the whole graph would
 * embed it as zeros or fail in Gather; tokenizers never produce one).
 */
export function embedRows(table: Float32Array, hiddenSize: number, ids: ArrayLike<number | bigint>): Float32Array {
  const vocab = table.length / hiddenSize;
  if (!Number.isInteger(vocab)) throw new Error(`embedding has ${table.length} values, not a multiple of hidden ${hiddenSize}`);
  const out = new Float32Array(ids.length * hiddenSize);
  for (let t = 0; t < ids.length; t++) {
    const id = Number(ids[t]);
    if (!(Number.isInteger(id) && id >= 0 && id < vocab))
      throw new Error(`token id ${String(ids[t])} at position ${t} is outside the vocabulary 0…${vocab - 1}`);
    out.set(table.subarray(id * hiddenSize, (id + 1) * hiddenSize), t * hiddenSize);
  }
  return out;
}

export interface HeadGraphOptions {
  seqLen: number;
  /** Also output `logits` float32 [T, vocab]. */
  logits?: boolean;
  /** Bytes for one vocabulary chunk's logits (T × rows × 4); default 64 MiB. */
  headBudgetBytes?: number;
}

export interface HeadGraph {
  modelBytes: Uint8Array;
  seqLen: number;
  /** 'nll', then 'logits' when asked. */
  outputNames: string[];
  chunks: VocabChunk[];
}

/**
 * Inputs: `hidden` float32 [T, hidden] (the last layer's residual stream), `input_ids` int64 [1, T]
 * (targets = ids shifted by one), `norm.weight` float32 [hidden], `lm_head.c{i}` float32
 * [rows_i, hidden] per vocabulary chunk (`headFeeds`). Outputs `nll` float32 [T − 1] (nats),
 * `logits` [T, vocab] when asked. Same ops and order as buildLlamaGraph's head.
 */
export function buildHeadGraph(spec: ModelSpec, options: HeadGraphOptions): HeadGraph {
  const { seqLen } = options;
  const { hiddenSize, vocabSize } = spec;
  if (!Number.isInteger(seqLen) || seqLen < 2) throw new Error(`seqLen must be an integer ≥ 2, got ${seqLen}`);
  const chunks = headVocabChunks(seqLen, vocabSize, options.headBudgetBytes ?? DEFAULT_HEAD_BUDGET_BYTES);
  const g = new GraphBuilder();
  g.inputs.push({ name: 'hidden', dataType: OnnxDataType.FLOAT, dims: [seqLen, hiddenSize] });
  g.inputs.push({ name: 'input_ids', dataType: OnnxDataType.INT64, dims: [1, seqLen] });
  g.inputs.push({ name: 'norm.weight', dataType: OnnxDataType.FLOAT, dims: [hiddenSize] });
  const headInputs = chunks.map((c, i) => {
    const name = `lm_head.c${i}`;
    g.inputs.push({ name, dataType: OnnxDataType.FLOAT, dims: [c.endRow - c.startRow, hiddenSize] });
    return name;
  });
  const ids = g.reshape('input_ids', [seqLen]);
  const final = rmsNormOp(g, 'hidden', spec.rmsNormEps, () => 'norm.weight');
  const { nll, logits } = chunkedHead(g, ids, seqLen, chunks, headInputs, final, options.logits === true);
  g.reshape(nll, [seqLen - 1], 'nll');
  g.outputs.push({ name: 'nll', dataType: OnnxDataType.FLOAT, dims: [seqLen - 1] });
  const outputNames = ['nll'];
  if (logits !== null) {
    g.op('Identity', [logits], undefined, { output: 'logits' });
    g.outputs.push({ name: 'logits', dataType: OnnxDataType.FLOAT, dims: [seqLen, vocabSize] });
    outputNames.push('logits');
  }
  return { modelBytes: g.encode([{ domain: '', version: 17 }]), seqLen, outputNames, chunks };
}

/** The head graph's weight feeds: `norm.weight` and each `lm_head.c{i}` as a view of `lmHead` [vocab, hidden] (no copy). */
export function headFeeds(
  spec: ModelSpec,
  head: HeadGraph,
  lmHead: Float32Array,
  finalNorm: Float32Array,
): Array<{ name: string; data: Float32Array; dims: number[] }> {
  const { hiddenSize, vocabSize } = spec;
  if (lmHead.length !== vocabSize * hiddenSize) throw new Error(`lm_head has ${lmHead.length} values, expected [${vocabSize}, ${hiddenSize}]`);
  if (finalNorm.length !== hiddenSize) throw new Error(`norm: ${finalNorm.length} values, expected [${hiddenSize}]`);
  return [
    { name: 'norm.weight', data: finalNorm, dims: [hiddenSize] },
    ...head.chunks.map((c, i) => ({
      name: `lm_head.c${i}`,
      data: lmHead.subarray(c.startRow * hiddenSize, c.endRow * hiddenSize),
      dims: [c.endRow - c.startRow, hiddenSize],
    })),
  ];
}
