import { assertContextWithinWindow } from '../model/errors';
import type { ModelSpec } from '../model/spec';
import { GraphBuilder } from './graphBuilder';
import { createKvCacheQuant, type GraphKvQuant } from './kvCacheQuant';
import { DEFAULT_HEAD_BUDGET_BYTES, embeddingAndHead } from './lmHead';
import { OnnxDataType } from './proto';
import { interleavedToHalfSplitRowOrder, permuteLinearRows, type DecoderWeights, type LinearWeight } from './weights';

/** Default cap on one query chunk's attention score tensor: 64 MiB. */
export const DEFAULT_ATTENTION_BUDGET_BYTES = 64 * 1024 * 1024;

export interface LlamaGraphOptions {
  /** Tokens per run T; the graph's shapes are fixed to it. */
  seqLen: number;
  /** Also output `logits` float32 [T, vocab] (the only [T, vocab] tensor the graph then holds). */
  logits?: boolean;
  /**
   * Bytes allowed for one vocabulary chunk's logits (T × rows × 4) in the LM head
   * (lib/onnx/lmHead.ts); default 64 MiB. The NLL never needs a [T, vocab] tensor.
   */
  headBudgetBytes?: number;
  /** Layers whose q/k are output as q_pre_L, k_pre_L, q_post_L, k_post_L. */
  tapLayers?: number[];
  /** Bytes allowed for one chunk's score tensor (numHeads × chunk × T × 4). */
  attentionBudgetBytes?: number;
  /** Also output `v_L` [T, numKvHeads, headDim] for each tap layer (per-channel KV calibration). */
  tapValues?: boolean;
  /** false: leave out q_pre_L / q_post_L (a KV calibration run reads only k and v; q taps are the largest). Default true. */
  tapQueries?: boolean;
  /** KV-cache fake quant inside the graph (SPEC §3; lib/onnx/kvCacheQuant.ts); off when absent. */
  kvQuant?: GraphKvQuant;
  /**
   * With per-channel kvQuant: also output `kv_clipped` float32 scalar, the number of cached
   * elements (all layers, k and v) that saturated at ±qmax·s beyond the calibrated range.
   */
  kvClipCount?: boolean;
}

export type { GraphKvQuant };

export interface LlamaGraph {
  /** The .onnx bytes. */
  modelBytes: Uint8Array;
  seqLen: number;
  /** Output names in the order a runner should fetch them. */
  outputNames: string[];
  /** Query rows per attention chunk actually used. */
  queryChunk: number;
  /** Vocabulary rows per LM-head chunk actually used (the last chunk may be shorter). */
  vocabChunkRows: number;
}

/**
 * At most this many query rows per attention chunk, whatever the budget allows. Chunk c only
 * multiplies against keys [0, end of c) (causal), so smaller chunks skip more of the masked
 * triangle: on the built-in model at T = 2048 (4 heads, onnxruntime-node, 2 threads) one
 * 2048-row chunk took 226 ms a window, 256-row chunks 165 ms, 128-row 150 ms (identical NLL);
 * more, smaller chunks add ops per layer, so 256 keeps long contexts' graphs small.
 */
export const ATTENTION_QUERY_ROWS_MAX = 256;

/**
 * Query rows per attention chunk for T tokens and `numHeads` heads so that one chunk's score
 * tensor, numHeads × chunk × T float32, stays ≤ budgetBytes (≥ 1 row, ≤ min(T, ATTENTION_QUERY_ROWS_MAX)).
 */
export function attentionQueryChunk(seqLen: number, numHeads: number, budgetBytes: number): number {
  return Math.max(1, Math.min(seqLen, ATTENTION_QUERY_ROWS_MAX, Math.floor(budgetBytes / (numHeads * seqLen * 4))));
}

/**
 * Build the LLaMA decoder of `spec` as an ONNX model (opset 17 + com.microsoft MatMulNBits).
 *
 * Inputs: `input_ids` int64 [1, T]; `cos`, `sin` float32 [T, headDim], half-split layout
 * (row m = position m, columns i and i + rotaryDim/2 hold pair i), attention factor folded in;
 * columns ≥ rotaryDim must be cos 1, sin 0 (pass-through for partial rotary).
 * Per-head q/k RMSNorm (spec.qkNorm, Qwen3) is applied before RoPE; q_pre/k_pre taps are after it.
 * Throws ContextBeyondWindowError (user-facing) when T exceeds spec.slidingWindowTokens.
 * Outputs: `nll` float32 [T − 1] (nats; token t+1 given tokens ≤ t), optional `logits`
 * [T, vocab], optional taps [T, heads, headDim] (k/v taps have numKvHeads heads), always in the
 * half-split layout: interleaved (GGUF) q/k rows are permuted to half-split here, at build time.
 * Taps q_pre/k_pre/q_post/k_post (and v_L) are before any KV quant; with kvQuant, k_kv_L and
 * v_kv_L are the keys (post-RoPE) and values attention actually used, in the model's own basis
 * also when the cache is Hadamard-rotated (kvCacheQuant.ts says why).
 * Memory: queries are processed in chunks so each score tensor holds at most
 * `attentionBudgetBytes` (default 64 MiB); peak transient ≈ 3× that (scores, masked, softmax).
 * The LM head runs in vocabulary chunks of ≤ `headBudgetBytes` logits (lib/onnx/lmHead.ts), so
 * only an asked-for `logits` output is ever [T, vocab]; a tied embedding is stored once.
 */
export function buildLlamaGraph(spec: ModelSpec, weights: DecoderWeights, options: LlamaGraphOptions): LlamaGraph {
  const { seqLen, vocabSize, hiddenSize, numLayers, numHeads, numKvHeads, headDim } = { ...spec, seqLen: options.seqLen };
  const rotaryDim = spec.rope.rotaryDim;
  if (!Number.isInteger(seqLen) || seqLen < 2) throw new Error(`seqLen must be an integer ≥ 2, got ${seqLen}`);
  // Full causal attention equals sliding-window attention only up to the window.
  assertContextWithinWindow(spec, seqLen);
  if (numHeads % numKvHeads !== 0) throw new Error(`numHeads ${numHeads} is not a multiple of numKvHeads ${numKvHeads}`);
  if (rotaryDim % 2 !== 0 || rotaryDim > headDim) throw new Error(`rotaryDim ${rotaryDim} must be even and ≤ headDim ${headDim}`);
  if (weights.layers.length !== numLayers) throw new Error(`weights have ${weights.layers.length} layers, spec says ${numLayers}`);
  if (weights.embedTokens.length !== vocabSize * hiddenSize) {
    throw new Error(`embed_tokens has ${weights.embedTokens.length} values, expected [${vocabSize}, ${hiddenSize}]`);
  }
  if (weights.lmHead.length !== vocabSize * hiddenSize) throw new Error(`lm_head has ${weights.lmHead.length} values, expected [${vocabSize}, ${hiddenSize}]`);
  const taps = new Set(options.tapLayers ?? []);
  for (const l of taps) if (!(l >= 0 && l < numLayers)) throw new Error(`tap layer ${l} outside 0…${numLayers - 1}`);

  const rep = numHeads / numKvHeads;
  const halfRotary = rotaryDim / 2;
  const budget = options.attentionBudgetBytes ?? DEFAULT_ATTENTION_BUDGET_BYTES;
  const chunk = attentionQueryChunk(seqLen, numHeads, budget);
  const rowOrder = spec.pairLayout === 'interleaved' ? interleavedToHalfSplitRowOrder : null;
  let usesNBits = false;

  const g = new GraphBuilder();
  g.inputs.push({ name: 'input_ids', dataType: OnnxDataType.INT64, dims: [1, seqLen] });
  g.inputs.push({ name: 'cos', dataType: OnnxDataType.FLOAT, dims: [seqLen, headDim] });
  g.inputs.push({ name: 'sin', dataType: OnnxDataType.FLOAT, dims: [seqLen, headDim] });

  const linear = (x: string, w: LinearWeight, prefix: string, inFeatures: number, outFeatures: number): string => {
    if (w.inFeatures !== inFeatures || w.outFeatures !== outFeatures) {
      throw new Error(`${prefix}: weight is [${w.outFeatures}, ${w.inFeatures}], expected [${outFeatures}, ${inFeatures}]`);
    }
    let y: string;
    if (w.kind === 'f32') {
      if (w.weight.length !== outFeatures * inFeatures) throw new Error(`${prefix}: ${w.weight.length} values for [${outFeatures}, ${inFeatures}]`);
      // Gemm with transB reads the [out, in] weight as stored: no transposed copy at build time.
      const wt = new Float32Array(inFeatures * outFeatures);
      for (let n = 0; n < outFeatures; n++) for (let k = 0; k < inFeatures; k++) wt[k * outFeatures + n] = w.weight[n * inFeatures + k];
      y = g.op('MatMul', [x, g.f32(`${prefix}.weight_t`, wt, [inFeatures, outFeatures])]);
    } else {
      usesNBits = true;
      const kBlocks = Math.ceil(inFeatures / w.blockSize);
      const blob = (w.blockSize * w.bits) / 8;
      if (w.packed.length !== outFeatures * kBlocks * blob) throw new Error(`${prefix}: packed codes ${w.packed.length} bytes, expected [${outFeatures}, ${kBlocks}, ${blob}]`);
      if (w.scales.length !== outFeatures * kBlocks) throw new Error(`${prefix}: ${w.scales.length} scales, expected ${outFeatures}×${kBlocks}`);
      const ins = [x, g.u8(`${prefix}.qweight`, w.packed, [outFeatures, kBlocks, blob]), g.f32(`${prefix}.scales`, w.scales, [outFeatures * kBlocks])];
      if (w.zeroPoints) ins.push(g.u8(`${prefix}.qzeros`, w.zeroPoints, [outFeatures, Math.ceil((kBlocks * w.bits) / 8)]));
      y = g.op('MatMulNBits', ins, {
        K: { kind: 'int', value: inFeatures },
        N: { kind: 'int', value: outFeatures },
        bits: { kind: 'int', value: w.bits },
        block_size: { kind: 'int', value: w.blockSize },
        accuracy_level: { kind: 'int', value: 0 },
      }, { domain: 'com.microsoft' });
    }
    if (w.bias) y = g.op('Add', [y, g.f32(`${prefix}.bias`, w.bias, [outFeatures])]);
    return y;
  };

  // RMSNorm over the last axis (hidden, or headDim for the per-head q/k norms).
  const rmsNorm = (x: string, weight: Float32Array, name: string, size = hiddenSize): string => {
    if (weight.length !== size) throw new Error(`${name}: ${weight.length} values, expected [${size}]`);
    const ms = g.op('ReduceMean', [g.op('Mul', [x, x])], { axes: { kind: 'ints', value: [-1] }, keepdims: { kind: 'int', value: 1 } });
    const inv = g.op('Reciprocal', [g.op('Sqrt', [g.op('Add', [ms, g.scalar(spec.rmsNormEps)])])]);
    return g.op('Mul', [g.f32(name, weight, [size]), g.op('Mul', [x, inv])]);
  };
  // Per-head q/k norm (Qwen3), on [T, heads, headDim] before RoPE. Its weight is per row of a head,
  // so interleaved (GGUF) weights get the same row order as the permuted q/k rows.
  const headOrder = rowOrder ? rowOrder(1, headDim, rotaryDim) : null;
  const qkNormOf = (x: string, weight: Float32Array | undefined, name: string): string => {
    if (!spec.qkNorm) return x;
    if (!weight) throw new Error(`${name}: spec.qkNorm is set but the layer has no norm weight`);
    return rmsNorm(x, headOrder ? Float32Array.from(headOrder, (r) => weight[r]) : weight, name, headDim);
  };

  // Shared per graph: ids, rope tables as [T, 1, headDim], causal masks per query chunk.
  const ids = g.reshape('input_ids', [seqLen]);
  const cos3 = g.reshape('cos', [seqLen, 1, headDim]);
  const sin3 = g.reshape('sin', [seqLen, 1, headDim]);
  const positions = new Float32Array(seqLen);
  for (let p = 0; p < seqLen; p++) positions[p] = p;
  const posName = g.f32('positions', positions, [seqLen]);
  const chunks: Array<{ start: number; end: number; mask: string }> = [];
  for (let start = 0; start < seqLen; start += chunk) {
    const end = Math.min(seqLen, start + chunk);
    const keyPos = end === seqLen ? posName : g.slice(posName, 0, 0, end);
    const queryPos = g.reshape(g.slice(posName, 0, start, end), [end - start, 1]);
    // Finite −1e9 rather than −inf: exp underflows to exactly 0 either way, and WebGPU shaders handle it.
    const mask = g.op('Where', [g.op('Greater', [keyPos, queryPos]), g.scalar(-1e9), g.scalar(0)]);
    chunks.push({ start, end, mask });
  }

  const rope = (x: string): string => {
    const parts = [g.op('Neg', [g.slice(x, 2, halfRotary, rotaryDim)]), g.slice(x, 2, 0, halfRotary)];
    if (rotaryDim < headDim) parts.push(g.slice(x, 2, rotaryDim, headDim));
    const rotated = g.op('Concat', parts, { axis: { kind: 'int', value: 2 } });
    return g.op('Add', [g.op('Mul', [x, cos3]), g.op('Mul', [rotated, sin3])]);
  };

  const kv = options.kvQuant;
  const kvCache = createKvCacheQuant(g, kv, { numKvHeads, headDim }, options.kvClipCount === true);
  const quantKv = kvCache.apply;

  const tapOutputs: string[] = [];
  const tap = (x: string, name: string, heads: number): void => {
    g.op('Identity', [x], undefined, { output: name });
    g.outputs.push({ name, dataType: OnnxDataType.FLOAT, dims: [seqLen, heads, headDim] });
    tapOutputs.push(name);
  };

  const head = embeddingAndHead(g, ids, { seqLen, vocabSize, hiddenSize }, weights, options.headBudgetBytes ?? DEFAULT_HEAD_BUDGET_BYTES);
  let x = head.embedded;
  for (let l = 0; l < numLayers; l++) {
    const lw = weights.layers[l];
    const p = `layers.${l}`;
    const qW = rowOrder ? permuteLinearRows(lw.q, rowOrder(numHeads, headDim, rotaryDim)) : lw.q;
    const kW = rowOrder ? permuteLinearRows(lw.k, rowOrder(numKvHeads, headDim, rotaryDim)) : lw.k;
    const h = rmsNorm(x, lw.inputNorm, `${p}.input_layernorm`);
    const q3 = qkNormOf(g.reshape(linear(h, qW, `${p}.q_proj`, hiddenSize, numHeads * headDim), [seqLen, numHeads, headDim]), lw.qNorm, `${p}.q_norm`);
    const k3 = qkNormOf(g.reshape(linear(h, kW, `${p}.k_proj`, hiddenSize, numKvHeads * headDim), [seqLen, numKvHeads, headDim]), lw.kNorm, `${p}.k_norm`);
    const v3 = g.reshape(linear(h, lw.v, `${p}.v_proj`, hiddenSize, numKvHeads * headDim), [seqLen, numKvHeads, headDim]);
    const qRot = rope(q3);
    const kUnquantRot = rope(k3);
    const kRot = kv?.keyRope === 'pre' ? rope(quantKv(k3, 'k', l)) : quantKv(kUnquantRot, 'k', l);
    const vUsed = quantKv(v3, 'v', l);
    if (taps.has(l)) {
      if (options.tapQueries !== false) tap(q3, `q_pre_${l}`, numHeads);
      tap(k3, `k_pre_${l}`, numKvHeads);
      if (options.tapQueries !== false) tap(qRot, `q_post_${l}`, numHeads);
      tap(kUnquantRot, `k_post_${l}`, numKvHeads);
      if (options.tapValues) tap(v3, `v_${l}`, numKvHeads);
      if (kv) {
        tap(kRot, `k_kv_${l}`, numKvHeads);
        tap(vUsed, `v_kv_${l}`, numKvHeads);
      }
    }
    // GQA without repeating k/v: query head h = kv·rep + r, so [kvH, rep·C, hd] @ [kvH, hd, keys].
    // 1/√headDim applied to q ([T, heads, hd]) instead of each score tensor ([heads, rows, keys]):
    // one pass over a far smaller tensor, and exact when √headDim is a power of two (64, 256).
    const qScaled = g.op('Mul', [qRot, g.scalar(1 / Math.sqrt(headDim))]);
    const q4 = g.reshape(g.transpose(qScaled, [1, 0, 2]), [numKvHeads, rep, seqLen, headDim]);
    const kT = g.transpose(kRot, [1, 2, 0]);
    const vT = g.transpose(vUsed, [1, 0, 2]);
    const outs: string[] = [];
    for (const c of chunks) {
      const rows = c.end - c.start;
      const qc = g.reshape(chunks.length === 1 ? q4 : g.slice(q4, 2, c.start, c.end), [numKvHeads, rep * rows, headDim]);
      const kc = c.end === seqLen ? kT : g.slice(kT, 2, 0, c.end);
      const vc = c.end === seqLen ? vT : g.slice(vT, 1, 0, c.end);
      const scores = g.op('MatMul', [qc, kc]);
      const masked = g.op('Add', [g.reshape(scores, [numKvHeads, rep, rows, c.end]), c.mask]);
      const probs = g.reshape(g.op('Softmax', [masked], { axis: { kind: 'int', value: -1 } }), [numKvHeads, rep * rows, c.end]);
      outs.push(g.reshape(g.op('MatMul', [probs, vc]), [numKvHeads, rep, rows, headDim]));
    }
    const attn4 = outs.length === 1 ? outs[0] : g.op('Concat', outs, { axis: { kind: 'int', value: 2 } });
    const attn = g.reshape(g.transpose(g.reshape(attn4, [numHeads, seqLen, headDim]), [1, 0, 2]), [seqLen, numHeads * headDim]);
    x = g.op('Add', [x, linear(attn, lw.o, `${p}.o_proj`, numHeads * headDim, hiddenSize)]);

    const h2 = rmsNorm(x, lw.postAttentionNorm, `${p}.post_attention_layernorm`);
    const gate = linear(h2, lw.gate, `${p}.gate_proj`, hiddenSize, spec.intermediateSize);
    const up = linear(h2, lw.up, `${p}.up_proj`, hiddenSize, spec.intermediateSize);
    const act = g.op('Mul', [g.op('Mul', [gate, g.op('Sigmoid', [gate])]), up]);
    x = g.op('Add', [x, linear(act, lw.down, `${p}.down_proj`, spec.intermediateSize, hiddenSize)]);
  }

  const final = rmsNorm(x, weights.finalNorm, 'norm');
  const { nll, logits } = head.applyHead(final, options.logits === true);
  g.reshape(nll, [seqLen - 1], 'nll');
  g.outputs.unshift({ name: 'nll', dataType: OnnxDataType.FLOAT, dims: [seqLen - 1] });
  const outputNames = ['nll'];
  if (logits !== null) {
    g.op('Identity', [logits], undefined, { output: 'logits' });
    g.outputs.push({ name: 'logits', dataType: OnnxDataType.FLOAT, dims: [seqLen, vocabSize] });
    outputNames.push('logits');
  }
  outputNames.push(...tapOutputs);
  const clipped = kvCache.clippedTotal();
  if (clipped !== null) {
    g.op('Identity', [clipped], undefined, { output: 'kv_clipped' });
    g.outputs.push({ name: 'kv_clipped', dataType: OnnxDataType.FLOAT, dims: [] });
    outputNames.push('kv_clipped');
  }

  const opsets = [{ domain: '', version: 17 }];
  if (usesNBits) opsets.push({ domain: 'com.microsoft', version: 1 });
  return { modelBytes: g.encode(opsets), seqLen, outputNames, queryChunk: chunk, vocabChunkRows: head.chunks[0].endRow };
}
