/**
 * One search pass, and — when asked and a chosen scale lies on the window edge — one more pass in
 * the window widened one step (lib/qroar/gridEdge), the `--widen` of `bandscope search`. The pass
 * is injected (it runs lib/qroar/search with the driver's objective and guard), so the guard and
 * the noise rule stay exactly those of the first pass.
 */
import { gridEdgeHits, widenedWindow, type EdgeHit, type SearchWindow } from './gridEdge';
import type { CandidateRecord, SearchResult } from './search';

export interface WidenedSearch {
  result: SearchResult;
  /** Window of the final pass. */
  window: SearchWindow;
  /** Edge hits of the final pass, and the window one step further (null when none). */
  edgeHits: EdgeHit[];
  widenTo: SearchWindow | null;
  /** The first pass when a widening pass followed it, else null. */
  firstPass: { window: SearchWindow; chosen: number[]; candidates: CandidateRecord[]; edgeHits: EdgeHit[] } | null;
}

export async function searchWithWidening(
  pass: (window: SearchWindow) => Promise<SearchResult>,
  window: SearchWindow,
  widen: boolean,
  onWiden?: (hits: EdgeHit[], from: SearchWindow, to: SearchWindow) => void,
): Promise<WidenedSearch> {
  let result = await pass(window);
  let hits = gridEdgeHits(result.bestScales, window.lo, window.hi);
  let firstPass: WidenedSearch['firstPass'] = null;
  if (widen && hits.length > 0 && !result.cancelled) {
    const wider = widenedWindow(window, hits);
    onWiden?.(hits, window, wider);
    firstPass = { window, chosen: Array.from(result.bestScales), candidates: result.candidates, edgeHits: hits };
    window = wider;
    result = await pass(window);
    hits = gridEdgeHits(result.bestScales, window.lo, window.hi);
  }
  return { result, window, edgeHits: hits, widenTo: hits.length > 0 ? widenedWindow(window, hits) : null, firstPass };
}
