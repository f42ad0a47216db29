import { ropeConfigFromGgufMetadata } from '../rope/parseGguf';
import { RopeConfigError } from '../rope/errors';
import type { PairLayout } from '../rope/types';
import { ModelFormatError } from './errors';
import type { GgufValue } from './gguf';
import type { ModelSpec } from './spec';

/**
 * GGUF architectures with LLaMA's block and their q/k row pairing as stored: llama.cpp's
 * converter permutes LLaMA/Mistral q/k rows to interleaved (ggml NORMAL rope); Qwen2/Qwen3 and
 * Phi-3 files keep Hugging Face's half-split order (ggml NEOX rope). REFERENCE §13. Phi-3's fused
 * attn_qkv / ffn_up are split at load (fusedTensors.ts).
 */
export const GGUF_ARCH_LAYOUT: Record<string, PairLayout> = {
  llama: 'interleaved',
  mistral: 'interleaved',
  qwen2: 'half-split',
  qwen3: 'half-split',
  phi3: 'half-split',
};

const GEMMA_BLOCK = 'scaled embeddings, (1 + w) RMSNorm weights';
const REFUSED: Record<string, string> = {
  gemma: `Gemma uses a different block (${GEMMA_BLOCK})`,
  gemma2: `Gemma 2 uses a different block (${GEMMA_BLOCK}, post-norms, logit soft-capping, sliding-window layers)`,
  gemma3: `Gemma 3 uses a different block (${GEMMA_BLOCK}, post-norms, q/k norms, sliding-window layers)`,
  qwen2moe: 'Qwen2-MoE is a mixture-of-experts model; only dense SwiGLU MLPs are supported',
  qwen3moe: 'Qwen3-MoE is a mixture-of-experts model; only dense SwiGLU MLPs are supported',
};

function num(meta: Record<string, GgufValue>, key: string, required: boolean): number | undefined {
  const v = meta[key];
  if (v === undefined) {
    if (required) throw new ModelFormatError(`GGUF metadata: missing "${key}"`);
    return undefined;
  }
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new ModelFormatError(`GGUF metadata: "${key}" must be a number, got ${String(v)}`);
  return v;
}

/**
 * ModelSpec of GGUF metadata. `tensorShapes` (HF names → row-major shapes) supplies what
 * the metadata leaves implicit: vocab size (embedding rows), tied output, q/k/v biases.
 */
export function specFromGgufMetadata(
  meta: Record<string, GgufValue>,
  tensorShapes: ReadonlyMap<string, readonly number[]>,
  freqFactors?: Float32Array,
): ModelSpec {
  const arch = meta['general.architecture'];
  if (typeof arch !== 'string') throw new ModelFormatError('GGUF metadata: missing "general.architecture"');
  if (arch in REFUSED) throw new ModelFormatError(`GGUF architecture "${arch}" is not supported: ${REFUSED[arch]}`);
  const pairLayout = GGUF_ARCH_LAYOUT[arch];
  if (!pairLayout) throw new ModelFormatError(`GGUF architecture "${arch}" is not supported (supported: ${Object.keys(GGUF_ARCH_LAYOUT).join(', ')})`);
  const k = (s: string): string => `${arch}.${s}`;
  // Mixtral GGUFs say general.architecture = llama; only expert_count tells them apart.
  const experts = num(meta, k('expert_count'), false);
  if (experts !== undefined && experts > 1) {
    throw new ModelFormatError(`GGUF metadata: ${k('expert_count')} is ${experts}: a mixture-of-experts MLP is not supported (only dense SwiGLU MLPs)`);
  }
  if (tensorShapes.has('rope_factors_long.weight') || tensorShapes.has('rope_factors_short.weight')) {
    throw new ModelFormatError(
      'GGUF file: LongRoPE factor tensors (rope_factors_long / rope_factors_short) are not supported; open the Hugging Face checkpoint, whose config.json carries them',
    );
  }
  const slidingWindowTokens = num(meta, k('attention.sliding_window'), false);
  if (slidingWindowTokens !== undefined && !(Number.isSafeInteger(slidingWindowTokens) && slidingWindowTokens > 0)) {
    throw new ModelFormatError(`GGUF metadata: ${k('attention.sliding_window')} = ${slidingWindowTokens} is not a positive integer`);
  }
  const hiddenSize = num(meta, k('embedding_length'), true)!;
  const numHeads = num(meta, k('attention.head_count'), true)!;
  const numKvHeads = num(meta, k('attention.head_count_kv'), false) ?? numHeads;
  const headDim = num(meta, k('attention.key_length'), false) ?? hiddenSize / numHeads;
  for (const [name, v] of [
    ['embedding_length', hiddenSize],
    ['attention.head_count', numHeads],
    ['attention.head_count_kv', numKvHeads],
    ['head_dim', headDim],
  ] as const) {
    if (!Number.isSafeInteger(v) || v <= 0) throw new ModelFormatError(`GGUF metadata: ${arch}.${name} = ${v} is not a positive integer`);
  }
  const embedding = tensorShapes.get('model.embed_tokens.weight');
  const vocabSize = num(meta, k('vocab_size'), false) ?? embedding?.[0];
  if (vocabSize === undefined) throw new ModelFormatError('GGUF file: no vocab size (no token_embd tensor and no vocab_size key)');
  let rope;
  try {
    rope = ropeConfigFromGgufMetadata(meta as Record<string, unknown>, arch, freqFactors);
  } catch (e) {
    if (e instanceof RopeConfigError) throw new ModelFormatError(`GGUF metadata: ${e.message}`);
    throw e;
  }
  return {
    architecture: arch,
    vocabSize,
    hiddenSize,
    intermediateSize: num(meta, k('feed_forward_length'), true)!,
    numLayers: num(meta, k('block_count'), true)!,
    numHeads,
    numKvHeads,
    headDim,
    rmsNormEps: num(meta, k('attention.layer_norm_rms_epsilon'), true)!,
    tieWordEmbeddings: !tensorShapes.has('lm_head.weight'),
    attentionBias: tensorShapes.has('model.layers.0.self_attn.q_proj.bias'),
    pairLayout,
    rope,
    ...(tensorShapes.has('model.layers.0.self_attn.q_norm.weight') ? { qkNorm: true } : {}),
    ...(slidingWindowTokens !== undefined ? { slidingWindowTokens } : {}),
  };
}
