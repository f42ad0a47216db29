/**
 * Weights handed to the LLaMA graph builder. Linear weights keep the Hugging Face layout
 * [outFeatures, inFeatures] (row n = output channel n, inFeatures contiguous); the builder
 * transposes float ones for MatMul and feeds N-bit ones to com.microsoft.MatMulNBits as is.
 */
export type LinearWeight = F32Linear | NBitsLinear;

/** Dense float32 linear: reference weights, or fake-quant (dequantized) values. */
export interface F32Linear {
  kind: 'f32';
  outFeatures: number;
  inFeatures: number;
  /** [outFeatures, inFeatures], inFeatures contiguous. */
  weight: Float32Array;
  /** [outFeatures] when the layer has a bias. */
  bias?: Float32Array;
}

/**
 * Block-quantized linear in MatMulNBits layout (REFERENCE §14.5): dequant = (code − zero)·scale,
 * blocks of `blockSize` along inFeatures, codes packed low bits first.
 */
export interface NBitsLinear {
  kind: 'nbits';
  outFeatures: number;
  inFeatures: number;
  /** 4 and 8 run on every EP; 2 only where the EP supports it (REFERENCE §14.6). */
  bits: 2 | 4 | 8;
  blockSize: number;
  /** uint8 [outFeatures, kBlocks, blockSize·bits/8], kBlocks = ⌈inFeatures/blockSize⌉. */
  packed: Uint8Array;
  /** float32 [outFeatures · kBlocks]. */
  scales: Float32Array;
  /** Packed uint8 [outFeatures, ⌈kBlocks·bits/8⌉]; absent = 2^(bits−1). */
  zeroPoints?: Uint8Array;
  bias?: Float32Array;
}

/**
 * Dense float16 linear, IEEE binary16 bit patterns: a full-precision baseline at half the bytes
 * where the execution provider computes float16 (WebGPU with `shader-f16`). The layer-group graph
 * casts it to float32 (exact: every float16 is a float32) and computes in float32 as ever.
 */
export interface F16Linear {
  kind: 'f16';
  outFeatures: number;
  inFeatures: number;
  /** fp16 bits [outFeatures, inFeatures], inFeatures contiguous. */
  weight: Uint16Array;
  bias?: Float32Array;
}

/** A linear as a layer group can be fed it: the graph builders' forms, or float16 (layer-streamed engine only). */
export type FedLinearWeight = LinearWeight | F16Linear;

/** A decoder layer as a layer group is fed it (DecoderLayerWeights whose linears may also be float16). */
export type FedDecoderLayerWeights = Omit<DecoderLayerWeights, 'q' | 'k' | 'v' | 'o' | 'gate' | 'up' | 'down'> &
  Record<'q' | 'k' | 'v' | 'o' | 'gate' | 'up' | 'down', FedLinearWeight>;

export interface DecoderLayerWeights {
  /** input_layernorm.weight [hidden]. */
  inputNorm: Float32Array;
  /** post_attention_layernorm.weight [hidden]. */
  postAttentionNorm: Float32Array;
  /** self_attn.q_norm.weight [headDim] (per-head RMSNorm before RoPE, Qwen3), rows as stored. */
  qNorm?: Float32Array;
  /** self_attn.k_norm.weight [headDim]. */
  kNorm?: Float32Array;
  q: LinearWeight;
  k: LinearWeight;
  v: LinearWeight;
  o: LinearWeight;
  gate: LinearWeight;
  up: LinearWeight;
  down: LinearWeight;
}

export interface DecoderWeights {
  /** embed_tokens.weight [vocab, hidden]. */
  embedTokens: Float32Array;
  layers: DecoderLayerWeights[];
  /** model.norm.weight [hidden]. */
  finalNorm: Float32Array;
  /** lm_head.weight [vocab, hidden] (the embedding itself when tied). */
  lmHead: Float32Array;
}

/** HF names of the seven decoder linears of layer `layerIndex`, keyed like DecoderLayerWeights. */
export function decoderLinearNames(layerIndex: number): Record<'q' | 'k' | 'v' | 'o' | 'gate' | 'up' | 'down', string> {
  const p = `model.layers.${layerIndex}`;
  return {
    q: `${p}.self_attn.q_proj`,
    k: `${p}.self_attn.k_proj`,
    v: `${p}.self_attn.v_proj`,
    o: `${p}.self_attn.o_proj`,
    gate: `${p}.mlp.gate_proj`,
    up: `${p}.mlp.up_proj`,
    down: `${p}.mlp.down_proj`,
  };
}

/**
 * Row order that turns interleaved q/k rows (pairs (2i, 2i+1)) into half-split rows
 * (pairs (i, i + rotaryDim/2)) — the inverse of llama.cpp's converter permute (REFERENCE §13).
 * Output: Int32Array[numHeads·headDim]; half-split row r takes source row out[r].
 */
export function interleavedToHalfSplitRowOrder(numHeads: number, headDim: number, rotaryDim: number): Int32Array {
  if (rotaryDim % 2 !== 0 || rotaryDim > headDim) throw new Error(`rotaryDim ${rotaryDim} must be even and ≤ headDim ${headDim}`);
  const halfRotary = rotaryDim >> 1;
  const order = new Int32Array(numHeads * headDim);
  for (let h = 0; h < numHeads; h++) {
    const base = h * headDim;
    for (let i = 0; i < halfRotary; i++) {
      order[base + i] = base + 2 * i;
      order[base + i + halfRotary] = base + 2 * i + 1;
    }
    for (let r = rotaryDim; r < headDim; r++) order[base + r] = base + r;
  }
  return order;
}

function gatherRows<T extends Float32Array | Uint8Array | Uint16Array>(src: T, rowLength: number, order: Int32Array, make: (n: number) => T): T {
  const out = make(order.length * rowLength);
  for (let r = 0; r < order.length; r++) out.set(src.subarray(order[r] * rowLength, (order[r] + 1) * rowLength), r * rowLength);
  return out;
}

/** Reorder the output rows of a linear (weights, block codes, scales, zero points, bias alike). */
export function permuteLinearRows<W extends FedLinearWeight>(w: W, order: Int32Array): W;
export function permuteLinearRows(w: FedLinearWeight, order: Int32Array): FedLinearWeight {
  if (order.length !== w.outFeatures) throw new Error(`row order has ${order.length} rows, linear has ${w.outFeatures}`);
  const f32 = (n: number) => new Float32Array(n);
  const u8 = (n: number) => new Uint8Array(n);
  const bias = w.bias ? gatherRows(w.bias, 1, order, f32) : undefined;
  if (w.kind === 'f32') return { ...w, weight: gatherRows(w.weight, w.inFeatures, order, f32), bias };
  if (w.kind === 'f16') return { ...w, weight: gatherRows(w.weight, w.inFeatures, order, (n) => new Uint16Array(n)), bias };
  const kBlocks = Math.ceil(w.inFeatures / w.blockSize);
  return {
    ...w,
    packed: gatherRows(w.packed, kBlocks * ((w.blockSize * w.bits) / 8), order, u8),
    scales: gatherRows(w.scales, kBlocks, order, f32),
    zeroPoints: w.zeroPoints ? gatherRows(w.zeroPoints, Math.ceil((kBlocks * w.bits) / 8), order, u8) : undefined,
    bias,
  };
}
