/**
 * Analytic interpolation pressure and phase displacement per pair (SPEC §4, our definitions v1):
 *   IP_i = (L'/2π)·θ'_i·|∂ln θ'_i/∂ln s|   (turns of phase at the window edge per unit log-scale)
 *   D_i  = L'·|θ_i − θ'_i|/2π              (turns)
 * θ = the model's unscaled frequencies (same config with type 'default'; GGUF freqFactors kept,
 * they belong to the model), θ' = the PI frequencies, L' = target length in tokens.
 */
import { RopeConfigError } from './errors';
import { originalWindowTokens, resolveScalingFactor, ropeFrequencies } from './frequencies';
import type { Band, RopeConfig } from './types';

export interface AnalyticPressure {
  /** IP_i, Float64Array[rotaryDim/2], turns per unit ln s. */
  ipTurns: Float64Array;
  /** D_i, Float64Array[rotaryDim/2], turns. */
  displacementTurns: Float64Array;
  /** L' used. */
  targetLengthTokens: number;
  /** s used. */
  scalingFactor: number;
}

/** Half-width h of the central difference in ln s: error O(h²) ≈ 1e-8 relative, rounding ≈ 1e-12. */
const LOG_SCALE_STEP = 1e-4;

/**
 * IP and D of every pair of `rope` at target length `targetLengthTokens` (default s·L0).
 * ∂ln θ'/∂ln s is a central difference in ln s (step ±1e-4) of θ' recomputed with factor s·e^{±h};
 * `dynamic` and `longrope` are evaluated at sequence length L' (the window edge).
 * `default` has no s, so IP = D = 0.
 */
export function analyticPressure(rope: RopeConfig, targetLengthTokens?: number): AnalyticPressure {
  const s = resolveScalingFactor(rope);
  const targetLength = targetLengthTokens ?? s * originalWindowTokens(rope);
  if (!(targetLength > 0) || !Number.isFinite(targetLength))
    throw new RopeConfigError(`target length must be a positive number of tokens, got ${targetLength}`);
  const seq = { sequenceLengthTokens: targetLength };
  const scaled = ropeFrequencies(rope, seq).invFreqRadPerToken;
  const base = ropeFrequencies({ ...rope, type: 'default' }, seq).invFreqRadPerToken;
  const pairCount = scaled.length;
  const ipTurns = new Float64Array(pairCount);
  const displacementTurns = new Float64Array(pairCount);
  const edgeTurnsPerRad = targetLength / (2 * Math.PI);
  for (let i = 0; i < pairCount; i++) displacementTurns[i] = edgeTurnsPerRad * Math.abs(base[i] - scaled[i]);
  if (rope.type !== 'default') {
    const up = ropeFrequencies({ ...rope, factor: s * Math.exp(LOG_SCALE_STEP) }, seq).invFreqRadPerToken;
    const down = ropeFrequencies({ ...rope, factor: s * Math.exp(-LOG_SCALE_STEP) }, seq).invFreqRadPerToken;
    for (let i = 0; i < pairCount; i++) {
      const dLogTheta = (Math.log(up[i]) - Math.log(down[i])) / (2 * LOG_SCALE_STEP);
      ipTurns[i] = edgeTurnsPerRad * scaled[i] * Math.abs(dLogTheta);
    }
  }
  return { ipTurns, displacementTurns, targetLengthTokens: targetLength, scalingFactor: s };
}

/**
 * Mean of a per-pair quantity over each band's pairs.
 * Input perPair: Float64Array[pairCount]; output Float64Array[bands.length] in bands order.
 */
export function bandMeans(perPair: Float64Array, bands: Band[]): Float64Array {
  const out = new Float64Array(bands.length);
  for (let b = 0; b < bands.length; b++) {
    const { firstPair, lastPair } = bands[b];
    if (firstPair < 0 || lastPair >= perPair.length || lastPair < firstPair) {
      throw new RopeConfigError(`band ${b} (pairs ${firstPair}–${lastPair}) does not fit ${perPair.length} pairs`);
    }
    let sum = 0;
    for (let i = firstPair; i <= lastPair; i++) sum += perPair[i];
    out[b] = sum / (lastPair - firstPair + 1);
  }
  return out;
}
