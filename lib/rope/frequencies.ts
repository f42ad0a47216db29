/**
 * PI-modified inverse frequencies and attention factor of a RopeConfig, with Hugging Face
 * transformers 5 semantics (SPEC §2, REFERENCE §11). GGUF freq_factors divide the result per
 * pair, as llama.cpp does (REFERENCE §12.2).
 */
import { RopeConfigError } from './errors';
import { defaultInvFreqRadPerToken, dynamicNtkBase, longropeAttentionFactor, ntkScaledBase, yarnAttentionFactor, yarnCorrectionRange, yarnRamp } from './math';
import type { RopeConfig } from './types';

export interface RopeFrequencies {
  /** θ'_i, Float64Array[rotaryDim/2], rad/token. */
  invFreqRadPerToken: Float64Array;
  /** Multiplies cos and sin (so logits carry its square). */
  attentionFactor: number;
}

export const YARN_DEFAULT_BETA_FAST = 32;
export const YARN_DEFAULT_BETA_SLOW = 1;

/** L0: original_max_position_embeddings when given, else max_position_embeddings (tokens). */
export function originalWindowTokens(rope: RopeConfig): number {
  return rope.originalMaxPositionEmbeddings ?? rope.maxPositionEmbeddings;
}

/**
 * The scaling factor s (transformers 5): `factor` when given; only when absent,
 * max_position_embeddings / original_max_position_embeddings. 1 for `default`.
 * Throws RopeConfigError when a scaling type has neither.
 */
export function resolveScalingFactor(rope: RopeConfig): number {
  if (rope.type === 'default') return rope.factor ?? 1;
  if (rope.factor !== undefined) return rope.factor;
  if (rope.originalMaxPositionEmbeddings !== undefined) return rope.maxPositionEmbeddings / rope.originalMaxPositionEmbeddings;
  throw new RopeConfigError(`rope type '${rope.type}' needs a 'factor' (or original_max_position_embeddings to derive it from)`);
}

/** Entry checks shared by everything that reads a RopeConfig; throws RopeConfigError. */
export function validateRopeConfig(rope: RopeConfig): void {
  const { headDim, rotaryDim, thetaBase, maxPositionEmbeddings } = rope;
  if (!Number.isInteger(headDim) || headDim <= 0) throw new RopeConfigError(`head_dim must be a positive integer, got ${headDim}`);
  if (!Number.isInteger(rotaryDim) || rotaryDim < 2 || rotaryDim % 2 !== 0) {
    throw new RopeConfigError(`rotary dim must be a positive even integer, got ${rotaryDim} (head_dim ${headDim})`);
  }
  if (rotaryDim > headDim) throw new RopeConfigError(`rotary dim ${rotaryDim} exceeds head_dim ${headDim}`);
  if (!(thetaBase > 1) || !Number.isFinite(thetaBase)) throw new RopeConfigError(`rope_theta must be a finite number > 1, got ${thetaBase}`);
  if (!Number.isInteger(maxPositionEmbeddings) || maxPositionEmbeddings <= 0) {
    throw new RopeConfigError(`max_position_embeddings must be a positive integer, got ${maxPositionEmbeddings}`);
  }
  const orig = rope.originalMaxPositionEmbeddings;
  if (orig !== undefined && !(orig > 0)) throw new RopeConfigError(`original_max_position_embeddings must be positive, got ${orig}`);
  if (rope.factor !== undefined && !(rope.factor > 0 && Number.isFinite(rope.factor))) {
    throw new RopeConfigError(`rope scaling factor must be a finite number > 0, got ${rope.factor}`);
  }
  if (rope.attentionFactor !== undefined && !(rope.attentionFactor > 0)) {
    throw new RopeConfigError(`attention_factor must be > 0, got ${rope.attentionFactor}`);
  }
  const pairCount = rotaryDim >> 1;
  const checkLen = (name: string, v: number[] | undefined): void => {
    if (v === undefined) return;
    if (v.length !== pairCount) throw new RopeConfigError(`${name} has ${v.length} entries, expected rotary dim / 2 = ${pairCount}`);
    for (const x of v) if (!(x > 0 && Number.isFinite(x))) throw new RopeConfigError(`${name} entries must be finite and > 0, got ${x}`);
  };
  checkLen('freq_factors', rope.freqFactors);
  checkLen('short_factor', rope.shortFactor);
  checkLen('long_factor', rope.longFactor);
}

/**
 * θ' and the attention factor of `rope`.
 * Output invFreqRadPerToken: Float64Array[rotaryDim/2] (rad/token), float64 throughout.
 * `sequenceLengthTokens` is the evaluated length: `dynamic` recomputes its base from it and
 * `longrope` picks long factors when it exceeds L0; absent, HF's init-time value is used
 * (max_position_embeddings for dynamic → unchanged base; short factors for longrope).
 */
export function ropeFrequencies(rope: RopeConfig, opts: { sequenceLengthTokens?: number } = {}): RopeFrequencies {
  validateRopeConfig(rope);
  const { rotaryDim, thetaBase, maxPositionEmbeddings } = rope;
  const pairCount = rotaryDim >> 1;
  const seqLen = opts.sequenceLengthTokens;
  if ((rope.type === 'ntk' || rope.type === 'dynamic') && rotaryDim < 4) {
    // The NTK exponent d_r/(d_r − 2) is infinite at d_r = 2.
    throw new RopeConfigError(`rope type '${rope.type}' needs a rotary dim of at least 4, got ${rotaryDim}`);
  }
  if (seqLen !== undefined && !(seqLen > 0)) throw new RopeConfigError(`sequence length must be > 0, got ${seqLen}`);
  let inv: Float64Array;
  let attentionFactor = 1;
  switch (rope.type) {
    case 'default':
      inv = defaultInvFreqRadPerToken(thetaBase, rotaryDim);
      break;
    case 'linear': {
      const s = resolveScalingFactor(rope);
      inv = defaultInvFreqRadPerToken(thetaBase, rotaryDim);
      for (let i = 0; i < pairCount; i++) inv[i] /= s;
      break;
    }
    case 'ntk':
      inv = defaultInvFreqRadPerToken(ntkScaledBase(thetaBase, resolveScalingFactor(rope), rotaryDim), rotaryDim);
      break;
    case 'dynamic': {
      const s = resolveScalingFactor(rope);
      const base = dynamicNtkBase(thetaBase, s, rotaryDim, seqLen ?? maxPositionEmbeddings, maxPositionEmbeddings);
      inv = defaultInvFreqRadPerToken(base, rotaryDim);
      break;
    }
    case 'yarn': {
      const s = resolveScalingFactor(rope);
      attentionFactor = yarnAttentionFactor(s, rope);
      const { low, high } = yarnCorrectionRange({
        betaFast: rope.betaFast || YARN_DEFAULT_BETA_FAST,
        betaSlow: rope.betaSlow || YARN_DEFAULT_BETA_SLOW,
        rotaryDim,
        thetaBase,
        originalWindowTokens: originalWindowTokens(rope),
        truncate: rope.truncate,
      });
      const ramp = yarnRamp(low, high, pairCount);
      inv = defaultInvFreqRadPerToken(thetaBase, rotaryDim);
      for (let i = 0; i < pairCount; i++) inv[i] = (inv[i] / s) * ramp[i] + inv[i] * (1 - ramp[i]);
      break;
    }
    case 'llama3': {
      const s = resolveScalingFactor(rope);
      const low = rope.lowFreqFactor;
      const high = rope.highFreqFactor;
      if (low === undefined || high === undefined) throw new RopeConfigError(`rope type 'llama3' needs low_freq_factor and high_freq_factor`);
      if (!(high > low)) throw new RopeConfigError(`llama3 high_freq_factor (${high}) must exceed low_freq_factor (${low})`);
      const l0 = originalWindowTokens(rope);
      const lowFreqWavelength = l0 / low;
      const highFreqWavelength = l0 / high;
      inv = defaultInvFreqRadPerToken(thetaBase, rotaryDim);
      for (let i = 0; i < pairCount; i++) {
        const wavelength = (2 * Math.PI) / inv[i];
        if (wavelength < highFreqWavelength) continue;
        if (wavelength > lowFreqWavelength) {
          inv[i] /= s;
          continue;
        }
        const smooth = (l0 / wavelength - low) / (high - low);
        inv[i] = ((1 - smooth) * inv[i]) / s + smooth * inv[i];
      }
      break;
    }
    case 'longrope': {
      const s = resolveScalingFactor(rope);
      const l0 = originalWindowTokens(rope);
      if (rope.shortFactor === undefined || rope.longFactor === undefined) {
        throw new RopeConfigError(`rope type 'longrope' needs short_factor and long_factor`);
      }
      attentionFactor = longropeAttentionFactor(s, l0, rope.attentionFactor);
      const ext = seqLen !== undefined && seqLen > l0 ? rope.longFactor : rope.shortFactor;
      inv = defaultInvFreqRadPerToken(thetaBase, rotaryDim);
      for (let i = 0; i < pairCount; i++) inv[i] /= ext[i];
      break;
    }
    default: {
      const never: never = rope.type;
      throw new RopeConfigError(`unknown rope type '${String(never)}'`);
    }
  }
  if (rope.freqFactors !== undefined) for (let i = 0; i < pairCount; i++) inv[i] /= rope.freqFactors[i];
  return { invFreqRadPerToken: inv, attentionFactor };
}
