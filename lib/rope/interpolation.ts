/**
 * The user's position-interpolation choice laid over a model's own RoPE.
 */
import { RopeConfigError } from './errors';
import { originalWindowTokens, validateRopeConfig } from './frequencies';
import type { RopeConfig, RopeType } from './types';

export interface InterpolationChoice {
  /** 'none' (or 'default') keeps the model's own RoPE. */
  method: RopeType | 'none';
  /** Scale s = target window / trained window; > 0 (ignored for 'none'/'default'). */
  factor: number;
  betaFast?: number;
  betaSlow?: number;
  truncate?: boolean;
  attentionFactor?: number;
  mscale?: number;
  mscaleAllDim?: number;
  /** llama3 only; default 1 (Llama 3.1's value). */
  lowFreqFactor?: number;
  /** llama3 only; default 4 (Llama 3.1's value). */
  highFreqFactor?: number;
  /** longrope only, required: Float-like arrays of length rotaryDim/2. */
  shortFactor?: number[];
  longFactor?: number[];
}

/** Llama 3.1's low/high frequency factors, used when a llama3 choice does not give its own. */
export const LLAMA3_DEFAULT_LOW_FREQ_FACTOR = 1;
export const LLAMA3_DEFAULT_HIGH_FREQ_FACTOR = 4;

/**
 * RopeConfig for running `modelRope` with PI `choice`: the model's trained window L (its
 * original_max_position_embeddings if stated, else max_position_embeddings) becomes the PI's
 * original window L0, `factor` becomes s (so transformers-5 precedence makes s = factor), and
 * max_position_embeddings becomes round(s·L) — except for `dynamic`, where HF measures the
 * sequence against max_position_embeddings, so that stays L.
 * Base, head/rotary dims and GGUF freqFactors are kept (freqFactors are part of the model, as in
 * llama.cpp, which applies them beneath any runtime scaling).
 * Stacking a PI on a model that already uses one (its type is not 'default') is refused with a
 * RopeConfigError: transformers has no such composition and we do not invent one.
 * Pure: returns a new object.
 */
export function applyInterpolation(modelRope: RopeConfig, choice: InterpolationChoice): RopeConfig {
  validateRopeConfig(modelRope);
  if (choice.method === 'none' || choice.method === 'default') return structuredClone(modelRope);
  if (modelRope.type !== 'default') {
    throw new RopeConfigError(
      `the model already uses '${modelRope.type}' RoPE scaling; choose method 'none' to run it as trained (stacking '${choice.method}' on top is not supported)`,
    );
  }
  const s = choice.factor;
  if (!(s > 0) || !Number.isFinite(s)) throw new RopeConfigError(`interpolation factor must be a finite number > 0, got ${s}`);
  const windowTokens = originalWindowTokens(modelRope);
  const out: RopeConfig = {
    type: choice.method,
    thetaBase: modelRope.thetaBase,
    headDim: modelRope.headDim,
    rotaryDim: modelRope.rotaryDim,
    maxPositionEmbeddings: choice.method === 'dynamic' ? windowTokens : Math.round(s * windowTokens),
    originalMaxPositionEmbeddings: windowTokens,
    factor: s,
  };
  if (modelRope.freqFactors !== undefined) out.freqFactors = modelRope.freqFactors.slice();
  if (choice.method === 'yarn') {
    if (choice.betaFast !== undefined) out.betaFast = choice.betaFast;
    if (choice.betaSlow !== undefined) out.betaSlow = choice.betaSlow;
    if (choice.truncate !== undefined) out.truncate = choice.truncate;
    if (choice.attentionFactor !== undefined) out.attentionFactor = choice.attentionFactor;
    if (choice.mscale !== undefined) out.mscale = choice.mscale;
    if (choice.mscaleAllDim !== undefined) out.mscaleAllDim = choice.mscaleAllDim;
  } else if (choice.method === 'llama3') {
    out.lowFreqFactor = choice.lowFreqFactor ?? LLAMA3_DEFAULT_LOW_FREQ_FACTOR;
    out.highFreqFactor = choice.highFreqFactor ?? LLAMA3_DEFAULT_HIGH_FREQ_FACTOR;
  } else if (choice.method === 'longrope') {
    if (choice.shortFactor === undefined || choice.longFactor === undefined) {
      throw new RopeConfigError('longrope needs per-pair short and long factors; they come from a trained checkpoint, not from a scale alone');
    }
    out.shortFactor = choice.shortFactor.slice();
    out.longFactor = choice.longFactor.slice();
    if (choice.attentionFactor !== undefined) out.attentionFactor = choice.attentionFactor;
  }
  validateRopeConfig(out);
  return out;
}
