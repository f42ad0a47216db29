/**
 * RopeConfig from a Hugging Face config.json object: the 4.x `rope_scaling` form (`type` or
 * `rope_type` key, rope_theta at top level) and the 5.x `rope_parameters` form (rope_theta,
 * partial_rotary_factor, original_max_position_embeddings inside it). Inner keys win over
 * top-level ones. Throws RopeConfigError with a message a person can act on.
 */
import { RopeConfigError } from './errors';
import { ropeFrequencies } from './frequencies';
import type { RopeConfig, RopeType } from './types';

const TYPE_ALIASES: Record<string, RopeType> = {
  default: 'default',
  linear: 'linear',
  ntk: 'ntk',
  dynamic: 'dynamic',
  yarn: 'yarn',
  llama3: 'llama3',
  longrope: 'longrope',
  // Phi-3's pre-release name for longrope (transformers maps it the same way).
  su: 'longrope',
};

/** HF default rope_theta when a config states none (LlamaConfig). */
const HF_DEFAULT_ROPE_THETA = 10000;

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function optNumber(obj: Record<string, unknown>, key: string, where: string): number | undefined {
  const v = obj[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new RopeConfigError(`${where}.${key} must be a number, got ${JSON.stringify(v)}`);
  return v;
}

function optNumberArray(obj: Record<string, unknown>, key: string, where: string): number[] | undefined {
  const v = obj[key];
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'number' || !Number.isFinite(x))) {
    throw new RopeConfigError(`${where}.${key} must be an array of numbers`);
  }
  return v as number[];
}

/** Picks the rope dict: rope_parameters (5.x, maybe per layer type) or rope_scaling (4.x). */
function ropeDict(config: Record<string, unknown>): { params: Record<string, unknown>; where: string } {
  const rp = config.rope_parameters;
  if (isRecord(rp)) {
    const hasOwnKeys = 'rope_type' in rp || 'type' in rp || 'rope_theta' in rp || 'factor' in rp;
    if (!hasOwnKeys && isRecord(rp.full_attention)) {
      // Per-layer-type dicts (5.x): the full-attention layers carry the long-context RoPE.
      return { params: rp.full_attention, where: 'rope_parameters.full_attention' };
    }
    return { params: rp, where: 'rope_parameters' };
  }
  if (rp !== undefined && rp !== null) throw new RopeConfigError(`rope_parameters must be an object, got ${JSON.stringify(rp)}`);
  const rs = config.rope_scaling;
  if (isRecord(rs)) return { params: rs, where: 'rope_scaling' };
  if (rs !== undefined && rs !== null) throw new RopeConfigError(`rope_scaling must be an object or null, got ${JSON.stringify(rs)}`);
  return { params: {}, where: 'config' };
}

/** RopeConfig of a config.json object. Throws RopeConfigError on anything unusable. */
export function ropeConfigFromHfConfig(config: Record<string, unknown>): RopeConfig {
  if (!isRecord(config)) throw new RopeConfigError('config.json must hold a JSON object');
  const { params, where } = ropeDict(config);

  const rawType = params.rope_type ?? params.type ?? 'default';
  if (typeof rawType !== 'string') throw new RopeConfigError(`${where}.rope_type must be a string, got ${JSON.stringify(rawType)}`);
  const type = TYPE_ALIASES[rawType];
  if (type === undefined) {
    throw new RopeConfigError(`unknown rope type '${rawType}' in ${where} (known: ${Object.keys(TYPE_ALIASES).join(', ')})`);
  }

  const thetaBase = optNumber(params, 'rope_theta', where) ?? optNumber(config, 'rope_theta', 'config') ?? HF_DEFAULT_ROPE_THETA;
  const partialRotaryFactor = optNumber(params, 'partial_rotary_factor', where) ?? optNumber(config, 'partial_rotary_factor', 'config') ?? 1;
  if (!(partialRotaryFactor > 0 && partialRotaryFactor <= 1)) {
    throw new RopeConfigError(`partial_rotary_factor must be in (0, 1], got ${partialRotaryFactor}`);
  }

  let headDim = optNumber(config, 'head_dim', 'config');
  if (headDim === undefined) {
    const hidden = optNumber(config, 'hidden_size', 'config');
    const heads = optNumber(config, 'num_attention_heads', 'config');
    if (hidden === undefined || heads === undefined) {
      throw new RopeConfigError('config.json needs head_dim, or hidden_size and num_attention_heads');
    }
    if (!(heads > 0) || hidden % heads !== 0) {
      throw new RopeConfigError(`hidden_size ${hidden} is not divisible by num_attention_heads ${heads}, and no head_dim is given`);
    }
    headDim = hidden / heads;
  }
  if (!Number.isInteger(headDim) || headDim <= 0) throw new RopeConfigError(`head_dim must be a positive integer, got ${headDim}`);
  // HF: dim = int(head_dim * partial_rotary_factor).
  const rotaryDim = Math.trunc(headDim * partialRotaryFactor);
  if (rotaryDim < 2 || rotaryDim % 2 !== 0) {
    throw new RopeConfigError(`rotary dim head_dim ${headDim} × partial_rotary_factor ${partialRotaryFactor} = ${rotaryDim} is not a positive even number`);
  }

  const maxPositionEmbeddings = optNumber(config, 'max_position_embeddings', 'config');
  if (maxPositionEmbeddings === undefined) throw new RopeConfigError('config.json has no max_position_embeddings');

  const rope: RopeConfig = { type, thetaBase, headDim, rotaryDim, maxPositionEmbeddings };
  const orig = optNumber(params, 'original_max_position_embeddings', where) ?? optNumber(config, 'original_max_position_embeddings', 'config');
  if (orig !== undefined) rope.originalMaxPositionEmbeddings = orig;
  const factor = optNumber(params, 'factor', where);
  if (factor !== undefined) {
    if (!(factor > 0)) throw new RopeConfigError(`${where}.factor must be > 0, got ${factor}`);
    rope.factor = factor;
  }
  const numeric: Array<[keyof RopeConfig, string]> = [
    ['attentionFactor', 'attention_factor'],
    ['betaFast', 'beta_fast'],
    ['betaSlow', 'beta_slow'],
    ['mscale', 'mscale'],
    ['mscaleAllDim', 'mscale_all_dim'],
    ['lowFreqFactor', 'low_freq_factor'],
    ['highFreqFactor', 'high_freq_factor'],
  ];
  for (const [field, key] of numeric) {
    const v = optNumber(params, key, where);
    if (v !== undefined) (rope as unknown as Record<string, number>)[field] = v;
  }
  if (params.truncate !== undefined && params.truncate !== null) {
    if (typeof params.truncate !== 'boolean') throw new RopeConfigError(`${where}.truncate must be true or false`);
    rope.truncate = params.truncate;
  }
  const shortFactor = optNumberArray(params, 'short_factor', where);
  const longFactor = optNumberArray(params, 'long_factor', where);
  if (shortFactor) rope.shortFactor = shortFactor;
  if (longFactor) rope.longFactor = longFactor;

  // Surface missing method parameters now, not at first use.
  ropeFrequencies(rope);
  return rope;
}
