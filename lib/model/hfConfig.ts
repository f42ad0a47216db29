import { RopeConfigError } from '../rope/errors';
import { ropeConfigFromHfConfig } from '../rope/parseHf';
import { ModelFormatError } from './errors';
import type { ModelSpec } from './spec';

/**
 * model_type values whose decoder block is LLaMA's (RMSNorm, SwiGLU MLP, q/k/v/o, RoPE). Phi-3's
 * fused qkv_proj / gate_up_proj are split at load (fusedTensors.ts); Qwen3 adds per-head q/k norms.
 */
export const SUPPORTED_HF_MODEL_TYPES = ['llama', 'mistral', 'qwen2', 'qwen3', 'phi3'] as const;

const GEMMA_BLOCK = 'it scales embeddings by √hidden, its RMSNorm multiplies by (1 + w)';
/** Families refused with a reason rather than loaded wrongly. */
const REFUSED: Record<string, string> = {
  gemma: `Gemma is a different block (${GEMMA_BLOCK})`,
  gemma2: `Gemma 2 is a different block (${GEMMA_BLOCK}, extra post-norms, attention and final logit soft-capping, alternating sliding-window layers)`,
  gemma3: `Gemma 3 is a different block (${GEMMA_BLOCK}, extra post-norms, q/k norms, interleaved sliding-window layers)`,
  gemma3_text: `Gemma 3 is a different block (${GEMMA_BLOCK}, extra post-norms, q/k norms, interleaved sliding-window layers)`,
  mixtral: 'Mixtral is a mixture-of-experts model (num_local_experts); only dense SwiGLU MLPs are supported',
  qwen2_moe: 'Qwen2-MoE is a mixture-of-experts model (num_experts); only dense SwiGLU MLPs are supported',
  qwen3_moe: 'Qwen3-MoE is a mixture-of-experts model (num_experts); only dense SwiGLU MLPs are supported',
};

/** Config keys whose value > 1 means a mixture-of-experts MLP, whatever model_type says. */
const EXPERT_KEYS = ['num_local_experts', 'num_experts', 'n_routed_experts'] as const;

function requireCount(config: Record<string, unknown>, key: string, fallback?: number): number {
  const v = config[key] ?? fallback;
  if (v === undefined || v === null) throw new ModelFormatError(`config.json: missing "${key}"`);
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v <= 0)
    throw new ModelFormatError(`config.json: "${key}" must be a positive integer, got ${JSON.stringify(v)}`);
  return v;
}

/**
 * ModelSpec of a Hugging Face config.json (LLaMA-family decoders). Hugging Face weights
 * pair q/k rows half-split (rotate_half). Throws ModelFormatError on missing/invalid fields
 * or an unsupported model_type.
 */
export function specFromHfConfig(config: Record<string, unknown>): ModelSpec {
  if (config === null || typeof config !== 'object' || Array.isArray(config)) throw new ModelFormatError('config.json must hold a JSON object');
  const modelType = config.model_type;
  if (typeof modelType !== 'string') throw new ModelFormatError('config.json: missing "model_type"');
  if (modelType in REFUSED) throw new ModelFormatError(`config.json: model_type "${modelType}" is not supported: ${REFUSED[modelType]}`);
  if (!(SUPPORTED_HF_MODEL_TYPES as readonly string[]).includes(modelType)) {
    throw new ModelFormatError(`config.json: model_type "${modelType}" is not supported (supported: ${SUPPORTED_HF_MODEL_TYPES.join(', ')})`);
  }
  for (const key of EXPERT_KEYS) {
    const experts = config[key];
    if (typeof experts === 'number' && experts > 1) {
      throw new ModelFormatError(`config.json: "${key}" is ${experts}: a mixture-of-experts MLP is not supported (only dense SwiGLU MLPs)`);
    }
  }
  const hiddenSize = requireCount(config, 'hidden_size');
  const numHeads = requireCount(config, 'num_attention_heads');
  const numKvHeads = requireCount(config, 'num_key_value_heads', numHeads);
  const headDimDefault = hiddenSize % numHeads === 0 ? hiddenSize / numHeads : undefined;
  const headDim = requireCount(config, 'head_dim', headDimDefault);
  if (numHeads % numKvHeads !== 0)
    throw new ModelFormatError(`config.json: num_attention_heads ${numHeads} is not a multiple of num_key_value_heads ${numKvHeads}`);
  const eps = config.rms_norm_eps;
  if (typeof eps !== 'number' || !(eps > 0)) throw new ModelFormatError(`config.json: "rms_norm_eps" must be a positive number, got ${JSON.stringify(eps)}`);
  let rope;
  try {
    rope = ropeConfigFromHfConfig(config);
  } catch (e) {
    if (e instanceof RopeConfigError) throw new ModelFormatError(`config.json: ${e.message}`);
    throw e;
  }
  const bias = config.attention_bias;
  const slidingWindowTokens = slidingWindowOf(config, modelType);
  return {
    architecture: modelType,
    vocabSize: requireCount(config, 'vocab_size'),
    hiddenSize,
    intermediateSize: requireCount(config, 'intermediate_size'),
    numLayers: requireCount(config, 'num_hidden_layers'),
    numHeads,
    numKvHeads,
    headDim,
    rmsNormEps: eps,
    tieWordEmbeddings: config.tie_word_embeddings === true,
    // Qwen2 always has q/k/v biases (its config has no switch); others follow attention_bias.
    attentionBias: modelType === 'qwen2' ? true : bias === true,
    pairLayout: 'half-split',
    rope,
    ...(modelType === 'qwen3' ? { qkNorm: true } : {}),
    ...(slidingWindowTokens !== undefined ? { slidingWindowTokens } : {}),
  };
}

/**
 * The attention window transformers applies for this model_type: Mistral and Phi-3 use
 * `sliding_window` when it is a number; Qwen2/Qwen3 only when `use_sliding_window` is true
 * (their configs carry a `sliding_window` value that is off by default); LLaMA has none.
 */
function slidingWindowOf(config: Record<string, unknown>, modelType: string): number | undefined {
  if (modelType === 'llama') return undefined;
  if ((modelType === 'qwen2' || modelType === 'qwen3') && config.use_sliding_window !== true) return undefined;
  const w = config.sliding_window;
  if (w === undefined || w === null) return undefined;
  if (typeof w !== 'number' || !Number.isSafeInteger(w) || w <= 0)
    throw new ModelFormatError(`config.json: "sliding_window" must be a positive integer or null, got ${JSON.stringify(w)}`);
  return w;
}
