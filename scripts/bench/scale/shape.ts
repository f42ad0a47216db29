/**
 * The decoder shape of the synthetic scale-benchmark checkpoint and the config.json it is written
 * with. Defaults are Llama-3.2-1B's published config (hidden 2048, 16 layers, 32 heads, 8 KV heads,
 * head_dim 64, intermediate 8192, vocabulary 128256, tied head, llama3 RoPE scaling), so memory and
 * speed are measured at exactly that shape; the weights are random, so it is not that model.
 */

export interface CheckpointShape {
  vocabSize: number;
  hiddenSize: number;
  intermediateSize: number;
  numLayers: number;
  numHeads: number;
  numKvHeads: number;
  headDim: number;
  rmsNormEps: number;
  ropeTheta: number;
  /** transformers `rope_scaling` object (null: plain RoPE). */
  ropeScaling: Record<string, number | string> | null;
  maxPositionEmbeddings: number;
  tieWordEmbeddings: boolean;
}

/** meta-llama/Llama-3.2-1B config.json, the fields that decide shape and numerics. */
export const LLAMA_3_2_1B_SHAPE: CheckpointShape = {
  vocabSize: 128256,
  hiddenSize: 2048,
  intermediateSize: 8192,
  numLayers: 16,
  numHeads: 32,
  numKvHeads: 8,
  headDim: 64,
  rmsNormEps: 1e-5,
  ropeTheta: 500000,
  ropeScaling: { rope_type: 'llama3', factor: 32, low_freq_factor: 1, high_freq_factor: 4, original_max_position_embeddings: 8192 },
  maxPositionEmbeddings: 131072,
  tieWordEmbeddings: true,
};

/** What config.json and the README say about the weights, so nobody mistakes the folder for a model. */
export const SYNTHETIC_NOTE = 'random weights for a memory/speed benchmark, not a model';

/** One tensor of the checkpoint: HF name, [rows, cols] or [n], and how its values are drawn. */
export interface TensorPlan {
  name: string;
  shape: number[];
  /** 'normal': N(0, std²) draws; 'ones': every value 1 (RMSNorm weights). */
  init: 'normal' | 'ones';
}

/**
 * The tensors of a LLaMA checkpoint of `shape`, in the order transformers' state_dict lists them
 * (embedding, then each layer's attention, MLP and norms, then the final norm; lm_head only when
 * untied). Row-major [out_features, in_features] for every linear, the nn.Linear layout.
 */
export function tensorPlan(shape: CheckpointShape): TensorPlan[] {
  const { hiddenSize: h, intermediateSize: inter, headDim, numHeads, numKvHeads } = shape;
  const plan: TensorPlan[] = [{ name: 'model.embed_tokens.weight', shape: [shape.vocabSize, h], init: 'normal' }];
  for (let l = 0; l < shape.numLayers; l++) {
    const p = `model.layers.${l}.`;
    plan.push(
      { name: `${p}self_attn.q_proj.weight`, shape: [numHeads * headDim, h], init: 'normal' },
      { name: `${p}self_attn.k_proj.weight`, shape: [numKvHeads * headDim, h], init: 'normal' },
      { name: `${p}self_attn.v_proj.weight`, shape: [numKvHeads * headDim, h], init: 'normal' },
      { name: `${p}self_attn.o_proj.weight`, shape: [h, numHeads * headDim], init: 'normal' },
      { name: `${p}mlp.gate_proj.weight`, shape: [inter, h], init: 'normal' },
      { name: `${p}mlp.up_proj.weight`, shape: [inter, h], init: 'normal' },
      { name: `${p}mlp.down_proj.weight`, shape: [h, inter], init: 'normal' },
      { name: `${p}input_layernorm.weight`, shape: [h], init: 'ones' },
      { name: `${p}post_attention_layernorm.weight`, shape: [h], init: 'ones' },
    );
  }
  plan.push({ name: 'model.norm.weight', shape: [h], init: 'ones' });
  if (!shape.tieWordEmbeddings) plan.push({ name: 'lm_head.weight', shape: [shape.vocabSize, h], init: 'normal' });
  return plan;
}

/** Element count of a shape (product of dims). */
export function elementCount(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** The config.json object (transformers LlamaConfig keys) for a checkpoint of `shape`. */
export function syntheticConfig(shape: CheckpointShape, seed: number, initStd: number): Record<string, unknown> {
  return {
    _bandscope_synthetic: SYNTHETIC_NOTE,
    _bandscope_init: `seed ${seed}; every linear and the embedding N(0, ${initStd}^2) rounded to bfloat16; RMSNorm weights 1`,
    architectures: ['LlamaForCausalLM'],
    model_type: 'llama',
    vocab_size: shape.vocabSize,
    hidden_size: shape.hiddenSize,
    intermediate_size: shape.intermediateSize,
    num_hidden_layers: shape.numLayers,
    num_attention_heads: shape.numHeads,
    num_key_value_heads: shape.numKvHeads,
    head_dim: shape.headDim,
    hidden_act: 'silu',
    attention_bias: false,
    mlp_bias: false,
    attention_dropout: 0,
    rms_norm_eps: shape.rmsNormEps,
    rope_theta: shape.ropeTheta,
    rope_scaling: shape.ropeScaling,
    max_position_embeddings: shape.maxPositionEmbeddings,
    tie_word_embeddings: shape.tieWordEmbeddings,
    initializer_range: initStd,
    bos_token_id: null,
    eos_token_id: null,
    torch_dtype: 'bfloat16',
  };
}
