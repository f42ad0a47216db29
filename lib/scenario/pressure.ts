/**
 * Settings → the analytic pressure chart data (SPEC §4), straight from lib/rope. Cheap
 * (O(pairs) with three frequency evaluations), so it runs wherever the settings are.
 */
import type { PressureData } from '../charts/types';
import { bandsFor } from '../rope/bands';
import { ropeFrequencies } from '../rope/frequencies';
import { applyInterpolation, type InterpolationChoice } from '../rope/interpolation';
import { analyticPressure, bandMeans } from '../rope/pressure';
import type { Band, RopeConfig } from '../rope/types';
import type { Settings } from '../settings/settings';

/** The PI choice named by the settings. */
export function interpolationChoiceOf(settings: Settings, method = settings.pi.method): InterpolationChoice {
  const { factor, betaFast, betaSlow, lowFreqFactor, highFreqFactor } = settings.pi;
  return { method, factor, betaFast, betaSlow, lowFreqFactor, highFreqFactor };
}

/** The model's RoPE with the scenario's PI laid over it (throws RopeConfigError with the reason). */
export function scenarioRope(modelRope: RopeConfig, settings: Settings, method = settings.pi.method): RopeConfig {
  return applyInterpolation(modelRope, interpolationChoiceOf(settings, method));
}

/** Bands of the scenario, in the PI rope (the yarn partition needs its β values). */
export function scenarioBands(modelRope: RopeConfig, settings: Settings): Band[] {
  return bandsFor(settings.bands, scenarioRope(modelRope, settings));
}

/**
 * Per-pair IP, D, PI ramp and wavelengths plus band means for the scenario.
 * Ramp: ln(θ_i/θ′_i)/ln s at L′ (0 = untouched, 1 = divided by s); 0 everywhere when s = 1.
 */
export function pressureChartData(modelRope: RopeConfig, settings: Settings): PressureData {
  const rope = scenarioRope(modelRope, settings);
  const bands = bandsFor(settings.bands, rope);
  const targetTokens = settings.targetContextTokens;
  const { ipTurns, displacementTurns, scalingFactor } = analyticPressure(rope, targetTokens);
  const seq = { sequenceLengthTokens: targetTokens };
  const scaled = ropeFrequencies(rope, seq).invFreqRadPerToken;
  const base = ropeFrequencies({ ...rope, type: 'default' }, seq).invFreqRadPerToken;
  const pairCount = scaled.length;
  const ramp = new Float64Array(pairCount);
  const wavelengthTokens = new Float64Array(pairCount);
  const logS = Math.log(scalingFactor);
  for (let i = 0; i < pairCount; i++) {
    ramp[i] = logS === 0 ? 0 : Math.log(base[i] / scaled[i]) / logS;
    wavelengthTokens[i] = (2 * Math.PI) / base[i];
  }
  return {
    method: rope.type,
    ipPerPair: ipTurns,
    displacementTurnsPerPair: displacementTurns,
    interpolatedFractionPerPair: ramp,
    wavelengthTokens,
    trainedWindowTokens: rope.originalMaxPositionEmbeddings ?? modelRope.maxPositionEmbeddings,
    targetWindowTokens: targetTokens,
    bands,
    ipPerBand: bandMeans(ipTurns, bands),
    displacementTurnsPerBand: bandMeans(displacementTurns, bands),
  };
}
