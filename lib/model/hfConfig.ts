import { RopeConfigError } from '../rope/errors';
import { ropeConfigFromHfConfig } from '../rope/parseHf';
import { ModelFormatError } from './errors';
import type { ModelSpec } from './spec';

/** model_type values whose decoder block is LLaMA's (RMSNorm, SwiGLU MLP, separate q/k/v/o, RoPE). */
export const SUPPORTED_HF_MODEL_TYPES = ['llama', 'mistral', 'qwen2', 'qwen3'] as const;

/** Families refused with a reason rather than loaded wrongly. */
const REFUSED: Record<string, string> = {
  phi3: 'Phi-3 fuses q/k/v into one qkv_proj and gate/up into gate_up_proj; splitting them is not supported yet',
  gemma: 'Gemma uses (1 + w) RMSNorm weights and scaled embeddings, a different block',
  gemma2: 'Gemma 2 uses extra norms and logit soft-capping, a different block',
};

function requireCount(config: Record<string, unknown>, key: string, fallback?: number): number {
  const v = config[key] ?? fallback;
  if (v === undefined || v === null) throw new ModelFormatError(`config.json: missing "${key}"`);
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v <= 0) throw new ModelFormatError(`config.json: "${key}" must be a positive integer, got ${JSON.stringify(v)}`);
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
  const hiddenSize = requireCount(config, 'hidden_size');
  const numHeads = requireCount(config, 'num_attention_heads');
  const numKvHeads = requireCount(config, 'num_key_value_heads', numHeads);
  const headDimDefault = hiddenSize % numHeads === 0 ? hiddenSize / numHeads : undefined;
  const headDim = requireCount(config, 'head_dim', headDimDefault);
  if (numHeads % numKvHeads !== 0) throw new ModelFormatError(`config.json: num_attention_heads ${numHeads} is not a multiple of num_key_value_heads ${numKvHeads}`);
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
  };
}
