/**
 * How big a change of mean NLL has to be before the search, the result card and the CLI call it
 * real (issue #13). Definitions, ours:
 *
 * - **Paired difference** of two evaluations on the *same* windows: d_w = a_w − b_w per window w
 *   (each a window's mean NLL over its C − 1 predictions, nats/token), mean d̄ = Σd_w / n and
 *   standard error SE = sd(d) / √n with the n − 1 sample deviation. Pairing removes the
 *   between-window spread of the text itself (some passages are simply harder), which dominates
 *   the standard error of either mean alone.
 * - **Beyond noise**: |d̄| > max(NOISE_SIGMAS · SE, FLOAT_TOLERANCE_NATS). Two standard errors
 *   (≈ 2.3 % one-sided false-alarm rate under a normal mean) is the usual bar; the float floor
 *   stops differences of float32 rounding (≈ 1e-8 nats, seen on exact no-ops) from counting when
 *   every window moves by the same tiny amount and SE collapses to 0.
 * - With fewer than 2 windows SE cannot be estimated: it is reported as NaN and nothing is beyond
 *   noise.
 */

/** Standard errors a paired difference must exceed to count (one definition, used everywhere). */
export const NOISE_SIGMAS = 2;

/** Differences of mean NLL at or below this many nats are float rounding, never a change. */
export const FLOAT_TOLERANCE_NATS = 1e-5;

export interface NoiseSettings {
  /** Standard errors a difference must exceed (default NOISE_SIGMAS). */
  sigmas: number;
  /** Absolute floor, nats/token (default FLOAT_TOLERANCE_NATS). */
  floatToleranceNats: number;
}

export const DEFAULT_NOISE: NoiseSettings = { sigmas: NOISE_SIGMAS, floatToleranceNats: FLOAT_TOLERANCE_NATS };

/** A mean difference with its standard error, nats/token, over `windows` paired windows. */
export interface PairedStat {
  meanNats: number;
  /** NaN when windows < 2. */
  standardErrorNats: number;
  windows: number;
}

/**
 * Paired difference a − b. Input: aPerWindow [n], bPerWindow [n] (mean NLL of each window, nats,
 * the same windows in the same order). Output: d̄ and its standard error (see module comment).
 */
export function pairedDifference(aPerWindow: ArrayLike<number>, bPerWindow: ArrayLike<number>): PairedStat {
  const n = aPerWindow.length;
  if (bPerWindow.length !== n) throw new Error(`pairedDifference: ${n} windows vs ${bPerWindow.length} — the two evaluations must cover the same windows`);
  if (n === 0) throw new Error('pairedDifference: no windows');
  let sum = 0;
  for (let w = 0; w < n; w++) sum += aPerWindow[w] - bPerWindow[w];
  const mean = sum / n;
  if (n < 2) return { meanNats: mean, standardErrorNats: Number.NaN, windows: n };
  let ss = 0;
  for (let w = 0; w < n; w++) {
    const e = aPerWindow[w] - bPerWindow[w] - mean;
    ss += e * e;
  }
  return { meanNats: mean, standardErrorNats: Math.sqrt(ss / (n - 1) / n), windows: n };
}

/** The smallest |d̄| that counts as a change: max(sigmas·SE, float floor); Infinity when SE is unknown. */
export function noiseThresholdNats(stat: PairedStat, noise: NoiseSettings = DEFAULT_NOISE): number {
  if (!Number.isFinite(stat.standardErrorNats)) return Infinity;
  return Math.max(noise.sigmas * stat.standardErrorNats, noise.floatToleranceNats);
}

/** True when the difference is not distinguishable from noise (or float rounding). */
export function isWithinNoise(stat: PairedStat, noise: NoiseSettings = DEFAULT_NOISE): boolean {
  return !(Math.abs(stat.meanNats) > noiseThresholdNats(stat, noise));
}

/** True when a − b is negative beyond noise: a is really better (lower NLL) than b. */
export function isBetterBeyondNoise(stat: PairedStat, noise: NoiseSettings = DEFAULT_NOISE): boolean {
  return stat.meanNats < -noiseThresholdNats(stat, noise);
}

/** Perplexity change in percent of a mean NLL change d (nats): 100·(e^d − 1); its SE by the delta method. */
export function pplChangePercent(stat: PairedStat): { percent: number; standardErrorPercent: number } {
  const factor = Math.exp(stat.meanNats);
  return { percent: 100 * (factor - 1), standardErrorPercent: 100 * factor * stat.standardErrorNats };
}

/** Validates noise settings (a user can type them): sigmas ≥ 0 and floor ≥ 0, both finite. */
export function checkNoiseSettings(noise: NoiseSettings): string | null {
  if (!(noise.sigmas >= 0 && Number.isFinite(noise.sigmas))) return `noise sigmas must be a finite number ≥ 0, got ${noise.sigmas}`;
  if (!(noise.floatToleranceNats >= 0 && Number.isFinite(noise.floatToleranceNats)))
    return `float tolerance must be a finite number ≥ 0 nats, got ${noise.floatToleranceNats}`;
  return null;
}
