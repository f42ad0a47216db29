/**
 * Grid edges (issue #13): a chosen scale on the edge of the safe window [lo, hi] means the
 * objective still fell at the last point tried, so the window, not the model, set the answer.
 *
 * Definitions, ours:
 * - **Edge hit**: a band whose chosen g ≠ 1 equals lo or hi (relative tolerance EDGE_REL_TOLERANCE,
 *   so a grid value rebuilt from the same spec matches).
 * - **One widening step**: each edge side hit moves outward by WIDEN_FACTOR in g — lo′ = lo / r,
 *   hi′ = hi · r (r = 1.25: the default window's own half-width in log g) — and the grid gains the
 *   points that keep its log-step, round(ln r / step) per widened side, step = ln(hi/lo)/(points − 1),
 *   so the old grid's points stay on the new grid. The guard is unchanged: a wider window only
 *   offers more candidates, each still has to pass the same short-context check.
 */

/** Outward factor of one widening step on each edge side hit. */
export const WIDEN_FACTOR = 1.25;

/** The widening step in words, for captions and --help (same definition as widenedWindow). */
export const WIDEN_DEFINITION = `One widening step moves each edge hit outward by ×${WIDEN_FACTOR} in g (lo/${WIDEN_FACTOR}, hi·${WIDEN_FACTOR}) and adds grid points at the same log-step; the short-context guard is unchanged.`;

/** Relative tolerance for "g equals the window edge". */
export const EDGE_REL_TOLERANCE = 1e-9;

export interface SearchWindow {
  lo: number;
  hi: number;
  pointCount: number;
}

export interface EdgeHit {
  bandIndex: number;
  scale: number;
  edge: 'lo' | 'hi';
}

/** Bands whose chosen scale lies on the window edge. Input: chosenScales [bands]; window [lo, hi]. */
export function gridEdgeHits(chosenScales: ArrayLike<number>, lo: number, hi: number): EdgeHit[] {
  const hits: EdgeHit[] = [];
  const near = (a: number, b: number) => Math.abs(a - b) <= EDGE_REL_TOLERANCE * Math.abs(b);
  for (let b = 0; b < chosenScales.length; b++) {
    const g = chosenScales[b];
    if (g === 1) continue;
    if (lo < 1 && near(g, lo)) hits.push({ bandIndex: b, scale: g, edge: 'lo' });
    else if (hi > 1 && near(g, hi)) hits.push({ bandIndex: b, scale: g, edge: 'hi' });
  }
  return hits;
}

/** The window after one widening step on the sides in `hits` (unchanged when hits is empty). */
export function widenedWindow(window: SearchWindow, hits: readonly EdgeHit[], factor = WIDEN_FACTOR): SearchWindow {
  const { lo, hi, pointCount } = window;
  if (!(factor > 1 && Number.isFinite(factor))) throw new Error(`widenedWindow: factor must be finite and > 1, got ${factor}`);
  if (!(pointCount >= 2 && lo > 0 && lo <= 1 && hi >= 1 && lo < hi))
    throw new Error(`widenedWindow: need 0 < lo ≤ 1 ≤ hi, lo < hi and ≥ 2 points, got [${lo}, ${hi}] with ${pointCount}`);
  const stepLn = Math.log(hi / lo) / (pointCount - 1);
  const extra = Math.max(1, Math.round(Math.log(factor) / stepLn));
  const widenLo = hits.some((h) => h.edge === 'lo');
  const widenHi = hits.some((h) => h.edge === 'hi');
  return {
    lo: widenLo ? lo / factor : lo,
    hi: widenHi ? hi * factor : hi,
    pointCount: pointCount + (widenLo ? extra : 0) + (widenHi ? extra : 0),
  };
}

/** One line for a person: which bands hit which edge, or null when none did. */
export function gridEdgeMessage(hits: readonly EdgeHit[], lo: number, hi: number): string | null {
  if (hits.length === 0) return null;
  const list = hits.map((h) => `band ${h.bandIndex} at g = ${h.scale.toFixed(4)} (${h.edge === 'lo' ? 'lower' : 'upper'} edge)`).join(', ');
  return `${list} of the safe window [${lo}, ${hi}]: the objective was still falling there, so the window limited the search`;
}
