/**
 * The search grid of Q-ROAR scales (SPEC §5): `pointCount` points log-spaced over the safe
 * window [lo, hi] that always contains exactly 1.0 (the unmodified model).
 *
 * How 1.0 is guaranteed: the window is split at 1 into [lo, 1] and [1, hi]; 1.0 is inserted
 * literally (not computed as exp(0 + rounding)), and the other pointCount − 1 points are shared
 * between the two sides in proportion to their log-lengths (rounded), each side evenly spaced in
 * ln g with its endpoint set to exactly lo / hi. When the window is log-symmetric (lo·hi = 1, as
 * the default 0.8 · 1.25) and pointCount is odd, this is one evenly log-spaced grid; otherwise
 * the two sides may have slightly different log-steps (piecewise log-spaced), which we accept
 * rather than dropping 1.0.
 */
import { SEARCH_DEFAULTS } from '../scenario/searchPlan';

export interface GridSpec {
  pointCount: number;
  lo: number;
  hi: number;
}

/** The default grid, from the one spelling of the search defaults (lib/scenario/searchPlan). */
export const DEFAULT_GRID: GridSpec = { pointCount: SEARCH_DEFAULTS.gridPoints, lo: SEARCH_DEFAULTS.lo, hi: SEARCH_DEFAULTS.hi };

/** Output: Float64Array [pointCount], ascending, containing 1 exactly. Requires 0 < lo ≤ 1 ≤ hi. */
export function logSpacedGrid(pointCount: number, lo: number, hi: number): Float64Array {
  if (!Number.isInteger(pointCount) || pointCount < 1) throw new Error(`logSpacedGrid: pointCount must be an integer ≥ 1, got ${pointCount}`);
  if (!(lo > 0 && lo <= 1 && hi >= 1 && Number.isFinite(hi))) throw new Error(`logSpacedGrid: need 0 < lo ≤ 1 ≤ hi, got [${lo}, ${hi}]`);
  const lnLo = -Math.log(lo);
  const lnHi = Math.log(hi);
  const total = lnLo + lnHi;
  if (pointCount > 1 && total === 0) throw new Error(`logSpacedGrid: window [${lo}, ${hi}] is a single point but ${pointCount} points were asked`);
  const nLow = pointCount === 1 ? 0 : Math.round(((pointCount - 1) * lnLo) / total);
  const nHigh = pointCount - 1 - nLow;
  if ((nLow > 0 && lnLo === 0) || (nHigh > 0 && lnHi === 0)) throw new Error(`logSpacedGrid: cannot place ${pointCount} points in [${lo}, ${hi}]`);
  const out = new Float64Array(pointCount);
  let o = 0;
  for (let kk = nLow; kk >= 1; kk--) out[o++] = kk === nLow ? lo : Math.exp((-lnLo * kk) / nLow);
  out[o++] = 1;
  for (let kk = 1; kk <= nHigh; kk++) out[o++] = kk === nHigh ? hi : Math.exp((lnHi * kk) / nHigh);
  return out;
}

/**
 * Order in which the coordinate search visits bands: descending IP, ties broken by descending
 * TIR (when given), then ascending band index. NaN values sort last.
 * Input: interpolationPressure [bands], tailInflation [bands] (optional). Output: band indices.
 */
export function bandVisitOrder(interpolationPressure: ArrayLike<number>, tailInflation?: ArrayLike<number>): number[] {
  const n = interpolationPressure.length;
  if (tailInflation && tailInflation.length !== n) throw new Error(`bandVisitOrder: ${n} IP values vs ${tailInflation.length} TIR values`);
  const key = (v: number) => (Number.isNaN(v) ? -Infinity : v);
  return Array.from({ length: n }, (_, i) => i).sort((a, b) => {
    const d = key(interpolationPressure[b]) - key(interpolationPressure[a]);
    if (d !== 0 && !Number.isNaN(d)) return d;
    if (tailInflation) {
      const t = key(tailInflation[b]) - key(tailInflation[a]);
      if (t !== 0 && !Number.isNaN(t)) return t;
    }
    return a - b;
  });
}
