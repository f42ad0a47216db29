/**
 * Closed-form RoPE helpers shared by the frequency, band and pressure code (SPEC §2, REFERENCE
 * §11). Everything is float64; the float32 rounding HF applies happens only where angles are
 * tabulated (cosSin.ts).
 */
import { RopeConfigError } from './errors';

/**
 * Unscaled inverse frequencies θ_i = b^(−2i/d_r) for i = 0 … d_r/2 − 1.
 * Output: Float64Array[rotaryDim/2], rad/token.
 */
export function defaultInvFreqRadPerToken(thetaBase: number, rotaryDim: number): Float64Array {
  if (!(thetaBase > 1) || !Number.isFinite(thetaBase)) throw new RopeConfigError(`rope_theta must be a finite number > 1, got ${thetaBase}`);
  if (!Number.isInteger(rotaryDim) || rotaryDim < 2 || rotaryDim % 2 !== 0) {
    throw new RopeConfigError(`rotary dim must be a positive even integer, got ${rotaryDim}`);
  }
  const pairCount = rotaryDim >> 1;
  const out = new Float64Array(pairCount);
  for (let pairIndex = 0; pairIndex < pairCount; pairIndex++) out[pairIndex] = Math.pow(thetaBase, (-2 * pairIndex) / rotaryDim);
  return out;
}

/** Wavelength λ = 2π/θ in tokens of one inverse frequency (rad/token). */
export function wavelengthTokens(invFreqRadPerToken: number): number {
  return (2 * Math.PI) / invFreqRadPerToken;
}

/**
 * Wavelengths of every pair. Input Float64Array[pairs] rad/token → Float64Array[pairs] tokens.
 */
export function wavelengthsTokens(invFreqRadPerToken: Float64Array): Float64Array {
  const out = new Float64Array(invFreqRadPerToken.length);
  for (let i = 0; i < out.length; i++) out[i] = (2 * Math.PI) / invFreqRadPerToken[i];
  return out;
}

/**
 * YaRN correction dimension c(N) = d_r·ln(L0/(2πN)) / (2 ln b): the (fractional) pair index whose
 * wavelength fits N times into the original window L0 tokens.
 */
export function yarnCorrectionDim(rotationCount: number, rotaryDim: number, thetaBase: number, originalWindowTokens: number): number {
  return (rotaryDim * Math.log(originalWindowTokens / (rotationCount * 2 * Math.PI))) / (2 * Math.log(thetaBase));
}

/**
 * HF `find_correction_range`: low = c(β_fast), high = c(β_slow), floored/ceiled when `truncate`
 * (default true), then low ≥ 0 and high ≤ d_r − 1 (HF clamps to d_r − 1, not d_r/2 − 1; kept).
 * Values are pair indices (fractional when truncate = false).
 */
export function yarnCorrectionRange(args: {
  betaFast: number;
  betaSlow: number;
  rotaryDim: number;
  thetaBase: number;
  originalWindowTokens: number;
  truncate?: boolean;
}): { low: number; high: number } {
  const { betaFast, betaSlow, rotaryDim, thetaBase, originalWindowTokens } = args;
  let low = yarnCorrectionDim(betaFast, rotaryDim, thetaBase, originalWindowTokens);
  let high = yarnCorrectionDim(betaSlow, rotaryDim, thetaBase, originalWindowTokens);
  if (args.truncate ?? true) {
    low = Math.floor(low);
    high = Math.ceil(high);
  }
  return { low: Math.max(low, 0), high: Math.min(high, rotaryDim - 1) };
}

/**
 * YaRN ramp ρ_i = clamp((i − low)/(high − low), 0, 1) per pair (0 = original frequency kept,
 * 1 = fully interpolated). HF adds 0.001 to high when low == high.
 * Output: Float64Array[pairCount].
 */
export function yarnRamp(low: number, high: number, pairCount: number): Float64Array {
  const span = low === high ? 0.001 : high - low;
  const out = new Float64Array(pairCount);
  for (let i = 0; i < pairCount; i++) out[i] = Math.min(1, Math.max(0, (i - low) / span));
  return out;
}

/** HF yarn `get_mscale(s, m)`: 1 when s ≤ 1, else 0.1·m·ln s + 1. */
export function yarnMscale(factor: number, mscale = 1): number {
  return factor <= 1 ? 1 : 0.1 * mscale * Math.log(factor) + 1;
}

/**
 * YaRN attention factor (multiplies cos and sin): the explicit value when given; else
 * get_mscale(s, mscale)/get_mscale(s, mscale_all_dim) when both are set and non-zero (HF tests
 * truthiness); else 0.1·ln s + 1.
 */
export function yarnAttentionFactor(factor: number, opts: { attentionFactor?: number; mscale?: number; mscaleAllDim?: number } = {}): number {
  if (opts.attentionFactor !== undefined) return opts.attentionFactor;
  if (opts.mscale && opts.mscaleAllDim) return yarnMscale(factor, opts.mscale) / yarnMscale(factor, opts.mscaleAllDim);
  return yarnMscale(factor);
}

/** LongRoPE attention factor: explicit when given, else 1 for s ≤ 1, else √(1 + ln s / ln L0). */
export function longropeAttentionFactor(factor: number, originalWindowTokens: number, attentionFactor?: number): number {
  if (attentionFactor !== undefined) return attentionFactor;
  return factor <= 1 ? 1 : Math.sqrt(1 + Math.log(factor) / Math.log(originalWindowTokens));
}

/** Static NTK-aware base b' = b·s^(d_r/(d_r−2)). */
export function ntkScaledBase(thetaBase: number, factor: number, rotaryDim: number): number {
  return thetaBase * Math.pow(factor, rotaryDim / (rotaryDim - 2));
}

/**
 * Dynamic NTK base b' = b·(s·seq/L − (s − 1))^(d_r/(d_r−2)), seq = max(sequenceLengthTokens, L),
 * L = max_position_embeddings (HF uses max_position_embeddings here, not the original window).
 */
export function dynamicNtkBase(thetaBase: number, factor: number, rotaryDim: number, sequenceLengthTokens: number, maxPositionEmbeddings: number): number {
  const seq = Math.max(sequenceLengthTokens, maxPositionEmbeddings);
  return thetaBase * Math.pow((factor * seq) / maxPositionEmbeddings - (factor - 1), rotaryDim / (rotaryDim - 2));
}
