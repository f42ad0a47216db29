/**
 * The token embedding and the LM head of the LLaMA graph, applied in vocabulary chunks so that
 * no [T, vocab] tensor exists unless a caller asks for logits: each chunk's logits [T, rows]
 * feed a streaming log-sum-exp (per-chunk max m_c and Σ exp(ℓ − m_c), combined at the end) and
 * the target token's logit, then die. A tied embedding is stored once: its row chunks are the
 * head's weights (Gemm with transB, no transposed copy) and the input lookup gathers from them.
 */
import type { GraphBuilder } from './graphBuilder';

/** Default cap on one vocabulary chunk's logits, T × rows × 4 bytes: 64 MiB. */
export const DEFAULT_HEAD_BUDGET_BYTES = 64 * 1024 * 1024;

/** A half-open range of vocabulary rows [startRow, endRow). */
export interface VocabChunk {
  startRow: number;
  endRow: number;
}

/**
 * Vocabulary row ranges for T tokens so one chunk's logits, T × rows float32, stay ≤ budgetBytes
 * (≥ 1 row per chunk; one chunk when the whole [T, vocab] fits). Chunks are equal except the last.
 */
export function headVocabChunks(seqLen: number, vocabSize: number, budgetBytes: number): VocabChunk[] {
  if (!(Number.isInteger(vocabSize) && vocabSize >= 1)) throw new Error(`vocabSize must be a positive integer, got ${vocabSize}`);
  const rows = Math.max(1, Math.min(vocabSize, Math.floor(budgetBytes / (seqLen * 4))));
  const out: VocabChunk[] = [];
  for (let startRow = 0; startRow < vocabSize; startRow += rows) out.push({ startRow, endRow: Math.min(vocabSize, startRow + rows) });
  return out;
}

export interface HeadWeights {
  /** embed_tokens [vocab, hidden], hidden contiguous. */
  embedTokens: Float32Array;
  /** lm_head [vocab, hidden]; the very same array as embedTokens when the embedding is tied. */
  lmHead: Float32Array;
}

export interface EmbeddingAndHead {
  /** Output name of the embedded tokens, float32 [T, hidden]. */
  embedded: string;
  /**
   * Adds the head on `final` [T, hidden]: returns the names of `nll` float32 [T − 1, 1] (nats;
   * row t scores token t+1) and, when `wantLogits`, `logits` float32 [T, vocab] (one Concat of
   * the chunks).
   */
  applyHead(final: string, wantLogits: boolean): { nll: string; logits: string | null };
  /** Vocabulary chunks used. */
  chunks: VocabChunk[];
}

/**
 * Embedding lookup and chunked head for `ids` int64 [T]. Weight initializers are views of the
 * caller's arrays (no copy here): tied → `embed_tokens` (one chunk) or `embed_tokens.c{i}`
 * [rows, hidden] used by both the lookup and the head; untied → `embed_tokens` plus
 * `lm_head.c{i}`. Ids outside 0…vocab−1 embed as zeros on the multi-chunk path, so callers
 * validate ids (the tokenizers do).
 */
export function embeddingAndHead(
  g: GraphBuilder,
  ids: string,
  dims: { seqLen: number; vocabSize: number; hiddenSize: number },
  weights: HeadWeights,
  headBudgetBytes: number = DEFAULT_HEAD_BUDGET_BYTES,
): EmbeddingAndHead {
  const { seqLen, vocabSize, hiddenSize } = dims;
  const tied = weights.embedTokens === weights.lmHead;
  const chunks = headVocabChunks(seqLen, vocabSize, headBudgetBytes);
  const single = chunks.length === 1;
  const chunkInit = (prefix: string, source: Float32Array) =>
    chunks.map((c, i) =>
      single
        ? g.f32(prefix, source, [vocabSize, hiddenSize])
        : g.f32(`${prefix}.c${i}`, source.subarray(c.startRow * hiddenSize, c.endRow * hiddenSize), [c.endRow - c.startRow, hiddenSize]),
    );

  const localIndex = (x: string, c: VocabChunk) => vocabLocalIndex(g, x, c);

  let embedded: string;
  let headInits: string[];
  const gather = (table: string, index: string) => g.op('Gather', [table, index], { axis: { kind: 'int', value: 0 } });
  if (tied) {
    headInits = chunkInit('embed_tokens', weights.embedTokens);
    if (single) embedded = gather(headInits[0], ids);
    else {
      // Σ_c [id ∈ c]·E_c[id − start_c]: the lookup reads the head's own chunks, so the tied matrix is stored once.
      const parts = chunks.map((c, i) => {
        const { index, inRange } = localIndex(ids, c);
        return g.op('Where', [g.reshape(inRange, [seqLen, 1]), gather(headInits[i], index), g.scalar(0)]);
      });
      embedded = parts.reduce((acc, p) => g.op('Add', [acc, p]));
    }
  } else {
    embedded = gather(g.f32('embed_tokens', weights.embedTokens, [vocabSize, hiddenSize]), ids);
    headInits = chunkInit('lm_head', weights.lmHead);
  }

  const applyHead = (final: string, wantLogits: boolean) => chunkedHead(g, ids, seqLen, chunks, headInits, final, wantLogits);

  return { embedded, applyHead, chunks };
}

/** Per chunk: ids − start, whether it falls in the chunk, and a safe index (0 where it does not). */
function vocabLocalIndex(g: GraphBuilder, x: string, c: VocabChunk): { index: string; inRange: string } {
  const local = g.op('Sub', [x, g.i64([c.startRow])]);
  const inRange = g.op('And', [g.op('GreaterOrEqual', [local, g.i64([0])]), g.op('Less', [local, g.i64([c.endRow - c.startRow])])]);
  return { index: g.op('Where', [inRange, local, g.i64([0])]), inRange };
}

/**
 * The LM head on `final` [T, hidden] over vocabulary chunks whose weights are the graph tensors
 * `headInits[i]` [rows_i, hidden] (initializers or inputs): returns `nll` float32 [T − 1, 1] (nats;
 * row t scores token ids[t+1]) and, when `wantLogits`, `logits` [T, vocab]. `ids` is int64 [T].
 */
export function chunkedHead(
  g: GraphBuilder,
  ids: string,
  seqLen: number,
  chunks: VocabChunk[],
  headInits: string[],
  final: string,
  wantLogits: boolean,
): { nll: string; logits: string | null } {
  const single = chunks.length === 1;
  const localIndex = (x: string, c: VocabChunk) => vocabLocalIndex(g, x, c);
  // Rows 0…T−2 score tokens 1…T−1; the last row predicts nothing, so only logits need it.
  const targets = g.reshape(g.slice(ids, 0, 1, seqLen), [seqLen - 1, 1]);
  const scored = wantLogits ? final : g.slice(final, 0, 0, seqLen - 1);
  const keep1 = { axes: { kind: 'ints' as const, value: [-1] }, keepdims: { kind: 'int' as const, value: 1 } };
  const maxes: string[] = [];
  const sums: string[] = [];
  const picks: string[] = [];
  const logitChunks: string[] = [];
  // ORT may run every chunk's Gemm as soon as `final` exists (its optimizers renumber nodes), so
  // all [T, rows] chunks would be alive at once. Each chunk after the first reads `final` plus
  // 0 × (a scalar of the previous chunk's sum and pick): a real data dependency, so a chunk's logits
  // die before the next are made. A non-finite scalar only appears when the NLL is non-finite anyway.
  let input = scored;
  chunks.forEach((c, i) => {
    const chunkLogits = g.op('Gemm', [input, headInits[i]], { transB: { kind: 'int', value: 1 } });
    if (wantLogits) logitChunks.push(chunkLogits);
    const logits = wantLogits ? g.slice(chunkLogits, 0, 0, seqLen - 1) : chunkLogits;
    const m = g.op('ReduceMax', [logits], keep1);
    maxes.push(m);
    sums.push(g.op('ReduceSum', [g.op('Exp', [g.op('Sub', [logits, m])]), g.i64([-1])], { keepdims: { kind: 'int', value: 1 } }));
    if (single) picks.push(g.op('GatherElements', [logits, targets], { axis: { kind: 'int', value: 1 } }));
    else {
      const { index, inRange } = localIndex(targets, c);
      picks.push(g.op('Where', [inRange, g.op('GatherElements', [logits, index], { axis: { kind: 'int', value: 1 } }), g.scalar(0)]));
    }
    if (i + 1 < chunks.length && !wantLogits) {
      const scalarOf = (x: string) => g.op('ReduceMax', [x], { keepdims: { kind: 'int', value: 0 } });
      const dep = g.op('Mul', [g.op('Add', [scalarOf(sums[i]), scalarOf(picks[i])]), g.scalar(0)]);
      input = g.op('Add', [scored, dep]);
    }
  });
  // log Σ_v exp ℓ_v = M + log Σ_c exp(m_c − M)·s_c with M = max_c m_c (every term ≤ s_c, no overflow).
  const bigM = single ? maxes[0] : g.op('Max', maxes);
  const total = single ? sums[0] : sums.map((s, i) => g.op('Mul', [s, g.op('Exp', [g.op('Sub', [maxes[i], bigM])])])).reduce((acc, t) => g.op('Add', [acc, t]));
  const lse = g.op('Add', [bigM, g.op('Log', [total])]);
  const picked = picks.reduce((acc, p) => g.op('Add', [acc, p]));
  const nll = g.op('Sub', [lse, picked]);
  const logits = wantLogits ? (single ? logitChunks[0] : g.op('Concat', logitChunks, { axis: { kind: 'int', value: 1 } })) : null;
  return { nll, logits };
}
