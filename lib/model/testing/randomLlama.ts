// Test-only: a small LLaMA checkpoint with seeded random weights, as safetensors bytes plus its
// config.json object, for engine tests that need a model on disk of a given shape.
import { float32ToBf16Bits, float32ToFp16Bits } from '../../quant/half';
import { f32Bytes, writeSafetensors } from './safetensorsWriter';

export interface RandomLlamaShape {
  layers: number;
  hidden: number;
  intermediate: number;
  vocab: number;
  heads: number;
  kvHeads: number;
  headDim: number;
  /** Seed of the Park–Miller generator (values are reproducible per seed). */
  seed: number;
  /** Spread of the embedding values (uniform, centred on 0). */
  embeddingScale: number;
  /** Stored dtype of every tensor (default F32; F16/BF16 round the same draws to nearest even). */
  dtype?: 'F32' | 'F16' | 'BF16';
}

function tensorBytes(values: Float32Array, dtype: 'F32' | 'F16' | 'BF16'): Uint8Array {
  if (dtype === 'F32') return f32Bytes(values);
  const bits = dtype === 'F16' ? float32ToFp16Bits(values) : float32ToBf16Bits(values);
  return new Uint8Array(bits.buffer, bits.byteOffset, bits.byteLength);
}

/** model.safetensors bytes (tied head; F32 unless `dtype` says otherwise) and the matching config.json object. */
export function randomLlamaCheckpoint(s: RandomLlamaShape): { safetensors: Uint8Array; config: Record<string, unknown> } {
  const { layers: L, hidden: H, intermediate: I, vocab: V } = s;
  let seed = s.seed;
  const rand = (n: number, scale: number, base = 0) =>
    Float32Array.from({ length: n }, () => base + ((seed = (seed * 16807) % 2147483647) / 2147483647 - 0.5) * scale);
  const tensors: Array<{ name: string; shape: number[]; values: Float32Array }> = [
    { name: 'model.embed_tokens.weight', shape: [V, H], values: rand(V * H, s.embeddingScale) },
    { name: 'model.norm.weight', shape: [H], values: rand(H, 0.2, 1) },
  ];
  const qRows = s.heads * s.headDim;
  const kvRows = s.kvHeads * s.headDim;
  for (let l = 0; l < L; l++) {
    const p = `model.layers.${l}`;
    const lin = (n: string, o: number, i: number) => tensors.push({ name: `${p}.${n}.weight`, shape: [o, i], values: rand(o * i, 2 / Math.sqrt(i)) });
    lin('self_attn.q_proj', qRows, H);
    lin('self_attn.k_proj', kvRows, H);
    lin('self_attn.v_proj', kvRows, H);
    lin('self_attn.o_proj', H, qRows);
    lin('mlp.gate_proj', I, H);
    lin('mlp.up_proj', I, H);
    lin('mlp.down_proj', H, I);
    tensors.push(
      { name: `${p}.input_layernorm.weight`, shape: [H], values: rand(H, 0.2, 1) },
      { name: `${p}.post_attention_layernorm.weight`, shape: [H], values: rand(H, 0.2, 1) },
    );
  }
  const config = {
    model_type: 'llama',
    vocab_size: V,
    hidden_size: H,
    intermediate_size: I,
    num_hidden_layers: L,
    num_attention_heads: s.heads,
    num_key_value_heads: s.kvHeads,
    head_dim: s.headDim,
    max_position_embeddings: 128,
    rope_theta: 10000,
    rms_norm_eps: 1e-5,
    tie_word_embeddings: true,
  };
  const dtype = s.dtype ?? 'F32';
  return { safetensors: writeSafetensors(tensors.map((t) => ({ name: t.name, dtype, shape: t.shape, data: tensorBytes(t.values, dtype) }))), config };
}
