/**
 * One LLaMA decoder layer as ONNX nodes, shared by the whole graph (llamaGraph.ts: weights are
 * initializers) and the layer-group graph (layerGroupGraph.ts: weights are graph inputs). Where a
 * weight comes from is the `LayerWeightBinding`; everything else — RMSNorm, per-head q/k norm,
 * RoPE, chunked causal GQA attention, KV fake quant, SwiGLU MLP, taps — is this one code path, so
 * both engines compute the same numbers.
 */
import type { ModelSpec } from '../model/spec';
import type { GraphBuilder } from './graphBuilder';
import type { GraphKvQuant, KvCacheQuant } from './kvCacheQuant';
import { OnnxDataType } from './proto';
import { interleavedToHalfSplitRowOrder, permuteLinearRows, type FedDecoderLayerWeights, type FedLinearWeight } from './weights';

export type DecoderLinearSlot = 'q' | 'k' | 'v' | 'o' | 'gate' | 'up' | 'down';

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

/** [outFeatures, inFeatures] of each decoder linear of `spec`. */
export function decoderLinearShapes(spec: ModelSpec): Record<DecoderLinearSlot, [number, number]> {
  const { hiddenSize: h, intermediateSize: i, numHeads, numKvHeads, headDim } = spec;
  return {
    q: [numHeads * headDim, h],
    k: [numKvHeads * headDim, h],
    v: [numKvHeads * headDim, h],
    o: [h, numHeads * headDim],
    gate: [i, h],
    up: [i, h],
    down: [h, i],
  };
}

/** Throws on head/rotary settings the graph cannot build (both graphs check the same things). */
export function checkDecoderDims(spec: ModelSpec, seqLen: number): void {
  if (!Number.isInteger(seqLen) || seqLen < 2) throw new Error(`seqLen must be an integer ≥ 2, got ${seqLen}`);
  if (spec.numHeads % spec.numKvHeads !== 0) throw new Error(`numHeads ${spec.numHeads} is not a multiple of numKvHeads ${spec.numKvHeads}`);
  const r = spec.rope.rotaryDim;
  if (r % 2 !== 0 || r > spec.headDim) throw new Error(`rotaryDim ${r} must be even and ≤ headDim ${spec.headDim}`);
}

/**
 * RMSNorm over the last axis of `x` (size = hidden, or headDim for per-head q/k norms).
 * `weight()` is called where the weight tensor is needed and returns its name.
 */
export function rmsNormOp(g: GraphBuilder, x: string, eps: number, weight: () => string): string {
  const ms = g.op('ReduceMean', [g.op('Mul', [x, x])], { axes: { kind: 'ints', value: [-1] }, keepdims: { kind: 'int', value: 1 } });
  const inv = g.op('Reciprocal', [g.op('Sqrt', [g.op('Add', [ms, g.scalar(eps)])])]);
  return g.op('Mul', [weight(), g.op('Mul', [x, inv])]);
}

/** Where one layer's weights come from. Names returned are graph tensors (initializers or inputs). */
export interface LayerWeightBinding {
  /** y = x·Wᵀ (+ bias) for the linear `slot`, [T, in] → [T, out]. */
  linear(x: string, slot: DecoderLinearSlot, inFeatures: number, outFeatures: number): string;
  /** Name of a norm weight: 'input'/'post' [hidden], 'q'/'k' [headDim] (half-split row order). */
  norm(which: 'input' | 'post' | 'q' | 'k'): string;
}

/** Per-graph tensors every layer reads: rope tables as [T, 1, headDim] and causal masks per query chunk. */
export interface DecoderShared {
  seqLen: number;
  cos3: string;
  sin3: string;
  chunks: Array<{ start: number; end: number; mask: string }>;
  queryChunk: number;
}

/** Rope tables reshaped from the `cos`/`sin` inputs [T, headDim], positions, and one causal mask per query chunk. */
export function decoderShared(g: GraphBuilder, spec: ModelSpec, seqLen: number, attentionBudgetBytes: number): DecoderShared {
  const { headDim, numHeads } = spec;
  const queryChunk = attentionQueryChunk(seqLen, numHeads, attentionBudgetBytes);
  const cos3 = g.reshape('cos', [seqLen, 1, headDim]);
  const sin3 = g.reshape('sin', [seqLen, 1, headDim]);
  const positions = new Float32Array(seqLen);
  for (let p = 0; p < seqLen; p++) positions[p] = p;
  const posName = g.f32('positions', positions, [seqLen]);
  const chunks: DecoderShared['chunks'] = [];
  for (let start = 0; start < seqLen; start += queryChunk) {
    const end = Math.min(seqLen, start + queryChunk);
    const keyPos = end === seqLen ? posName : g.slice(posName, 0, 0, end);
    const queryPos = g.reshape(g.slice(posName, 0, start, end), [end - start, 1]);
    // Finite −1e9 rather than −inf: exp underflows to exactly 0 either way, and WebGPU shaders handle it.
    const mask = g.op('Where', [g.op('Greater', [keyPos, queryPos]), g.scalar(-1e9), g.scalar(0)]);
    chunks.push({ start, end, mask });
  }
  return { seqLen, cos3, sin3, chunks, queryChunk };
}

export interface LayerTapOptions {
  /** Output this layer's taps (named with `tapLayer`). */
  tapped: boolean;
  tapQueries: boolean;
  tapValues: boolean;
}

/** Adds `Identity(x)` as graph output `name` [T, heads, headDim]. */
export type TapEmitter = (x: string, name: string, heads: number) => void;

/** Output float32 [T, heads, headDim] tap `name` and remember it in `outputs`. */
export function tapEmitter(g: GraphBuilder, seqLen: number, headDim: number, outputs: string[]): TapEmitter {
  return (x, name, heads) => {
    g.op('Identity', [x], undefined, { output: name });
    g.outputs.push({ name, dataType: OnnxDataType.FLOAT, dims: [seqLen, heads, headDim] });
    outputs.push(name);
  };
}

/**
 * Emits decoder layer `layer` on the residual stream `x` [T, hidden] and returns the new stream.
 * `kvLayer` indexes the KV quant's per-layer scales; `tapLayer` names the taps (the absolute layer).
 */
export function emitDecoderLayer(
  g: GraphBuilder,
  spec: ModelSpec,
  shared: DecoderShared,
  kv: { quant: GraphKvQuant | undefined; cache: KvCacheQuant },
  x: string,
  w: LayerWeightBinding,
  at: { kvLayer: number; tapLayer: number },
  taps: LayerTapOptions,
  tap: TapEmitter,
): string {
  const { seqLen, cos3, sin3, chunks } = shared;
  const { hiddenSize, numHeads, numKvHeads, headDim } = spec;
  const rotaryDim = spec.rope.rotaryDim;
  const halfRotary = rotaryDim / 2;
  const rep = numHeads / numKvHeads;
  const norm = (v: string, which: 'input' | 'post' | 'q' | 'k') => rmsNormOp(g, v, spec.rmsNormEps, () => w.norm(which));
  const qkNormOf = (v: string, which: 'q' | 'k') => (spec.qkNorm ? norm(v, which) : v);
  const rope = (v: string): string => {
    const parts = [g.op('Neg', [g.slice(v, 2, halfRotary, rotaryDim)]), g.slice(v, 2, 0, halfRotary)];
    if (rotaryDim < headDim) parts.push(g.slice(v, 2, rotaryDim, headDim));
    const rotated = g.op('Concat', parts, { axis: { kind: 'int', value: 2 } });
    return g.op('Add', [g.op('Mul', [v, cos3]), g.op('Mul', [rotated, sin3])]);
  };
  const quantKv = kv.cache.apply;
  const l = at.tapLayer;

  const h = norm(x, 'input');
  const q3 = qkNormOf(g.reshape(w.linear(h, 'q', hiddenSize, numHeads * headDim), [seqLen, numHeads, headDim]), 'q');
  const k3 = qkNormOf(g.reshape(w.linear(h, 'k', hiddenSize, numKvHeads * headDim), [seqLen, numKvHeads, headDim]), 'k');
  const v3 = g.reshape(w.linear(h, 'v', hiddenSize, numKvHeads * headDim), [seqLen, numKvHeads, headDim]);
  const qRot = rope(q3);
  const kUnquantRot = rope(k3);
  const kRot = kv.quant?.keyRope === 'pre' ? rope(quantKv(k3, 'k', at.kvLayer)) : quantKv(kUnquantRot, 'k', at.kvLayer);
  const vUsed = quantKv(v3, 'v', at.kvLayer);
  if (taps.tapped) {
    if (taps.tapQueries) tap(q3, `q_pre_${l}`, numHeads);
    tap(k3, `k_pre_${l}`, numKvHeads);
    if (taps.tapQueries) tap(qRot, `q_post_${l}`, numHeads);
    tap(kUnquantRot, `k_post_${l}`, numKvHeads);
    if (taps.tapValues) tap(v3, `v_${l}`, numKvHeads);
    if (kv.quant) {
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
  let out = g.op('Add', [x, w.linear(attn, 'o', numHeads * headDim, hiddenSize)]);

  const h2 = norm(out, 'post');
  const gate = w.linear(h2, 'gate', hiddenSize, spec.intermediateSize);
  const up = w.linear(h2, 'up', hiddenSize, spec.intermediateSize);
  const act = g.op('Mul', [g.op('Mul', [gate, g.op('Sigmoid', [gate])]), up]);
  out = g.op('Add', [out, w.linear(act, 'down', spec.intermediateSize, hiddenSize)]);
  return out;
}

/** Attributes of com.microsoft.MatMulNBits for [out, in] blocks (accuracy_level 0: float math). */
export function matMulNBitsAttributes(inFeatures: number, outFeatures: number, bits: number, blockSize: number) {
  return {
    K: { kind: 'int' as const, value: inFeatures },
    N: { kind: 'int' as const, value: outFeatures },
    bits: { kind: 'int' as const, value: bits },
    block_size: { kind: 'int' as const, value: blockSize },
    accuracy_level: { kind: 'int' as const, value: 0 },
  };
}

/** Throws unless `w` is [outFeatures, inFeatures] with consistent buffers. */
export function checkLinear(w: FedLinearWeight, name: string, inFeatures: number, outFeatures: number): void {
  if (w.inFeatures !== inFeatures || w.outFeatures !== outFeatures) {
    throw new Error(`${name}: weight is [${w.outFeatures}, ${w.inFeatures}], expected [${outFeatures}, ${inFeatures}]`);
  }
  if (w.kind === 'f32' || w.kind === 'f16') {
    if (w.weight.length !== outFeatures * inFeatures) throw new Error(`${name}: ${w.weight.length} values for [${outFeatures}, ${inFeatures}]`);
  } else {
    const kBlocks = Math.ceil(inFeatures / w.blockSize);
    const blob = (w.blockSize * w.bits) / 8;
    if (w.packed.length !== outFeatures * kBlocks * blob)
      throw new Error(`${name}: packed codes ${w.packed.length} bytes, expected [${outFeatures}, ${kBlocks}, ${blob}]`);
    if (w.scales.length !== outFeatures * kBlocks) throw new Error(`${name}: ${w.scales.length} scales, expected ${outFeatures}×${kBlocks}`);
  }
  if (w.bias && w.bias.length !== outFeatures) throw new Error(`${name}: bias has ${w.bias.length} values, expected [${outFeatures}]`);
}

/**
 * A layer's weights in the graph's half-split row order: interleaved (GGUF) q/k rows and q/k-norm
 * weights permuted, everything else as given (shared arrays, not copies).
 */
export function halfSplitLayer<L extends FedDecoderLayerWeights>(spec: ModelSpec, lw: L): L {
  if (spec.pairLayout !== 'interleaved') return lw;
  const { numHeads, numKvHeads, headDim } = spec;
  const rotaryDim = spec.rope.rotaryDim;
  const headOrder = interleavedToHalfSplitRowOrder(1, headDim, rotaryDim);
  const permuteNorm = (w: Float32Array | undefined) => (w ? Float32Array.from(headOrder, (r) => w[r]) : undefined);
  return {
    ...lw,
    q: permuteLinearRows(lw.q, interleavedToHalfSplitRowOrder(numHeads, headDim, rotaryDim)),
    k: permuteLinearRows(lw.k, interleavedToHalfSplitRowOrder(numKvHeads, headDim, rotaryDim)),
    ...(lw.qNorm ? { qNorm: permuteNorm(lw.qNorm) } : {}),
    ...(lw.kNorm ? { kNorm: permuteNorm(lw.kNorm) } : {}),
  };
}
