/**
 * `bandscope search --json`: the search domain record (lib/scenario/search SearchRunResult) in the
 * CLI's printed shape — every figure is read off the record, none recomputed here.
 */
import { gridEdgeMessage } from '../../lib/qroar/gridEdge';
import { pairedDifference } from '../../lib/qroar/noise';
import type { Band } from '../../lib/rope/types';
import type { SearchRunResult } from '../../lib/scenario/search';

const nllPpl = (nll: number) => ({ nll, ppl: Math.exp(nll) });

export function searchJson(r: SearchRunResult, head: { model: string; modelIdentity: string; settings: Record<string, unknown>; bands: Band[] }) {
  const bands = head.bands.map((b, k) => ({
    bandIndex: b.bandIndex,
    pairs: [b.firstPair, b.lastPair],
    label: b.label,
    ipAnalytic: r.noOpReason ? null : r.ipPerBand[k],
    tirKPost: r.tirPerBand ? r.tirPerBand[k] : null,
  }));
  const settings = { ...head.settings, grid: r.noOpReason ? head.settings.grid : r.grid, window: [r.window.lo, r.window.hi] };
  const common = {
    model: head.model,
    modelIdentity: head.modelIdentity,
    settings,
    bands,
    bandOrder: r.bandOrder,
    candidates: r.candidates,
    chosen: { scales: r.chosenScales, variant: head.settings.variant },
  };
  if (r.noOpReason || !r.baseline || !r.best || !r.penalty || r.penalty.length === 0) {
    return { ...common, noOp: r.noOpReason, firstPass: null, edge: null, dev: null, test: null, control: null, penalty: null, shortContext: null };
  }
  const atLong = r.penalty[r.penalty.length - 1];
  const edgeMessage = gridEdgeMessage(r.edgeHits, Number(r.window.lo.toFixed(4)), Number(r.window.hi.toFixed(4)));
  return {
    ...common,
    noOp: null,
    firstPass: r.firstPass,
    edge: { hits: r.edgeHits, message: edgeMessage, widenTo: r.widenTo, widened: r.firstPass !== null },
    dev: { before: nllPpl(r.baseline.objective), after: nllPpl(r.best.objective), windows: r.windows, change: r.devChange ?? pairedDifference([0, 0], [0, 0]) },
    test: {
      contextTokens: atLong.contextTokens,
      before: { ...nllPpl(atLong.nll.ptqBefore), windows: atLong.windows },
      after: { ...nllPpl(atLong.nll.ptqAfter), windows: atLong.windows },
      change: atLong.ptqChange,
      withinNoise: atLong.withinNoise.ptqChange,
    },
    control: {
      contextTokens: atLong.contextTokens,
      before: nllPpl(atLong.nll.fpBefore),
      after: nllPpl(atLong.nll.fpAfter),
      change: atLong.fpChange,
      withinNoise: atLong.withinNoise.fpChange,
    },
    penalty: r.penalty,
    shortContext: {
      before: nllPpl(r.baseline.guard),
      after: nllPpl(r.best.guard),
      withinGuard: r.shortContext?.withinGuard ?? false,
      windows: r.guardWindows,
      contextTokens: r.shortContext?.contextTokens ?? null,
    },
  };
}
