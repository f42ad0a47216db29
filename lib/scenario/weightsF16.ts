/**
 * Full-precision decoder weights rounded to IEEE float16 and held as float32 again — the model a
 * float16 deployment runs, up to its float16 arithmetic. The diagnostics use it as the noise floor
 * (issue #12 item 6): two full-precision variants that differ only by float16 rounding of every
 * weight, so logit error and KL between them are the disagreement no one should blame on RoPE ×
 * quantization. Values round to nearest, ties to even (lib/quant/half); |w| ≥ 65520 would become
 * ±inf, which the check below refuses with the tensor named.
 */
import type { DecoderLayerWeights, DecoderWeights, LinearWeight } from '../onnx/weights';
import { float32ToFp16Bits, fp16BitsToFloat32 } from '../quant/half';

/** Weight precisions a full-precision build can take ('f32' = as read). */
export type WeightPrecision = 'f32' | 'f16';

/** values [n] → a new float32 array [n] of the nearest float16 values; throws naming `what` on overflow. */
export function roundToF16(values: Float32Array, what: string): Float32Array {
  const out = fp16BitsToFloat32(float32ToFp16Bits(values));
  for (let i = 0; i < out.length; i++) {
    if (!Number.isFinite(out[i]) && Number.isFinite(values[i]))
      throw new Error(`${what}: value ${values[i]} at index ${i} is outside the float16 range (|x| < 65520), so this model has no float16 twin`);
  }
  return out;
}

function linear(w: LinearWeight, what: string): LinearWeight {
  if (w.kind !== 'f32') throw new Error(`${what}: float16 rounding applies to full-precision weights, not to ${w.bits}-bit MatMulNBits codes`);
  return { ...w, weight: roundToF16(w.weight, what), ...(w.bias ? { bias: roundToF16(w.bias, `${what} bias`) } : {}) };
}

/** Decoder layer `index`'s tensors rounded to float16, as new arrays (norms, linears, biases). */
export function roundLayerWeightsToF16(l: DecoderLayerWeights, index: number): DecoderLayerWeights {
  const p = `layer ${index}`;
  return {
    ...l,
    inputNorm: roundToF16(l.inputNorm, `${p} input_layernorm`),
    postAttentionNorm: roundToF16(l.postAttentionNorm, `${p} post_attention_layernorm`),
    ...(l.qNorm ? { qNorm: roundToF16(l.qNorm, `${p} q_norm`) } : {}),
    ...(l.kNorm ? { kNorm: roundToF16(l.kNorm, `${p} k_norm`) } : {}),
    q: linear(l.q, `${p} q_proj`),
    k: linear(l.k, `${p} k_proj`),
    v: linear(l.v, `${p} v_proj`),
    o: linear(l.o, `${p} o_proj`),
    gate: linear(l.gate, `${p} gate_proj`),
    up: linear(l.up, `${p} up_proj`),
    down: linear(l.down, `${p} down_proj`),
  };
}

/** Embedding, final norm and LM head rounded to float16, as new arrays; a tied LM head stays the embedding's array. */
export function roundHeadWeightsToF16(w: Omit<DecoderWeights, 'layers'>): Omit<DecoderWeights, 'layers'> {
  const embedTokens = roundToF16(w.embedTokens, 'embed_tokens');
  return {
    embedTokens,
    finalNorm: roundToF16(w.finalNorm, 'model.norm'),
    lmHead: w.lmHead === w.embedTokens ? embedTokens : roundToF16(w.lmHead, 'lm_head'),
  };
}

/**
 * Every tensor of `w` (embedding, norms, linears and biases, LM head) rounded to float16, as new
 * arrays: the inputs may be shared with a tensor cache and are never written. A tied LM head stays
 * one array.
 */
export function roundDecoderWeightsToF16(w: DecoderWeights): DecoderWeights {
  return { ...roundHeadWeightsToF16(w), layers: w.layers.map((l, i) => roundLayerWeightsToF16(l, i)) };
}
