/**
 * RopeConfig from GGUF metadata (llama.cpp key names, REFERENCE §12): `<arch>.rope.freq_base`,
 * `<arch>.rope.scaling.type/factor/original_context_length`, `<arch>.rope.dimension_count`,
 * `<arch>.context_length`, `<arch>.attention.head_count`, `<arch>.embedding_length`,
 * `<arch>.attention.key_length`, plus the optional `rope_freqs` tensor as freqFactors.
 * Values may be numbers or bigints (GGUF uint64), as lib/model/gguf.ts returns them.
 */
import { RopeConfigError } from './errors';
import { ropeFrequencies } from './frequencies';
import type { RopeConfig, RopeType } from './types';

/** llama.cpp LLAMA_ROPE_SCALING_TYPE names → our types. llama.cpp has no dynamic NTK mode. */
const GGUF_SCALING_TYPES: Record<string, RopeType> = {
  none: 'default',
  linear: 'linear',
  yarn: 'yarn',
  longrope: 'longrope',
};

/** llama.cpp's default freq_base when the key is absent. */
const GGUF_DEFAULT_FREQ_BASE = 10000;

function metaNumber(meta: Record<string, unknown>, key: string): number | undefined {
  const v = meta[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'bigint') return Number(v);
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  throw new RopeConfigError(`GGUF metadata ${key} must be a number, got ${String(v)}`);
}

/**
 * RopeConfig of a GGUF file's metadata for architecture `arch` (e.g. 'llama').
 * `freqFactors`: the `rope_freqs` tensor, Float32Array[rotaryDim/2], when the file has one.
 */
export function ropeConfigFromGgufMetadata(meta: Record<string, unknown>, arch: string, freqFactors?: Float32Array): RopeConfig {
  const k = (suffix: string): string => `${arch}.${suffix}`;
  const headCount = metaNumber(meta, k('attention.head_count'));
  const embedding = metaNumber(meta, k('embedding_length'));
  let headDim = metaNumber(meta, k('attention.key_length'));
  if (headDim === undefined) {
    if (headCount === undefined || embedding === undefined) {
      throw new RopeConfigError(`GGUF metadata needs ${k('attention.key_length')}, or ${k('embedding_length')} and ${k('attention.head_count')}`);
    }
    if (!(headCount > 0) || embedding % headCount !== 0) {
      throw new RopeConfigError(`${k('embedding_length')} ${embedding} is not divisible by ${k('attention.head_count')} ${headCount}`);
    }
    headDim = embedding / headCount;
  }
  const rotaryDim = metaNumber(meta, k('rope.dimension_count')) ?? headDim;
  const maxPositionEmbeddings = metaNumber(meta, k('context_length'));
  if (maxPositionEmbeddings === undefined) throw new RopeConfigError(`GGUF metadata has no ${k('context_length')}`);
  const thetaBase = metaNumber(meta, k('rope.freq_base')) ?? GGUF_DEFAULT_FREQ_BASE;

  const rawType = meta[k('rope.scaling.type')];
  let factor = metaNumber(meta, k('rope.scaling.factor'));
  let type: RopeType = 'default';
  if (rawType !== undefined && rawType !== null) {
    if (typeof rawType !== 'string' || GGUF_SCALING_TYPES[rawType] === undefined) {
      throw new RopeConfigError(`unknown GGUF rope scaling type '${String(rawType)}' (known: ${Object.keys(GGUF_SCALING_TYPES).join(', ')})`);
    }
    type = GGUF_SCALING_TYPES[rawType];
  } else {
    // Older GGUFs carry only `rope.scale_linear`.
    const legacy = metaNumber(meta, k('rope.scale_linear'));
    if (legacy !== undefined && legacy !== 1) {
      type = 'linear';
      factor = legacy;
    }
  }
  if (factor !== undefined && !(factor > 0)) throw new RopeConfigError(`${k('rope.scaling.factor')} must be > 0, got ${factor}`);

  const rope: RopeConfig = { type, thetaBase, headDim, rotaryDim, maxPositionEmbeddings };
  // llama.cpp forces freq_scale = 1 for scaling type none, so a stray factor is ignored there.
  if (factor !== undefined && type !== 'default') rope.factor = factor;
  const orig = metaNumber(meta, k('rope.scaling.original_context_length'));
  if (orig !== undefined && orig > 0) rope.originalMaxPositionEmbeddings = orig;
  const betaFast = metaNumber(meta, k('rope.scaling.yarn_beta_fast'));
  const betaSlow = metaNumber(meta, k('rope.scaling.yarn_beta_slow'));
  if (betaFast !== undefined) rope.betaFast = betaFast;
  if (betaSlow !== undefined) rope.betaSlow = betaSlow;
  if (freqFactors !== undefined) rope.freqFactors = Array.from(freqFactors);
  if (type === 'longrope') {
    // LongRoPE GGUFs keep their short/long factors as tensors (rope_factors_short/long); the caller
    // passes the set in use as freqFactors, so the per-pair factors here are neutral.
    if (rope.freqFactors === undefined) {
      throw new RopeConfigError('a longrope GGUF needs its rope factor tensor (pass rope_factors_short or rope_factors_long as freqFactors)');
    }
    rope.shortFactor = rope.freqFactors.map(() => 1);
    rope.longFactor = rope.shortFactor.slice();
  }

  ropeFrequencies(rope);
  return rope;
}
