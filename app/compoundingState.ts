/**
 * The quantization-gap chart for the live panel, which re-renders many times a second with
 * progress: the ready chart (data, option, table) is rebuilt only when a curve result, the note,
 * the view, the theme or L changes, so the chart is not handed a new option on every progress
 * message. The mapping itself is lib/views/curveStates.
 */
import { compoundingBuildReady, compoundingChartState, type CompoundingArgs, type CompoundingBuilt } from '@/lib/views/curveStates';
import type { CurveResult } from '@/lib/scenario/perplexityCurve';

// The last layout, memoize-one style: one dashboard per page, and the curve results are TanStack
// cache entries whose identity changes only with their data. A module cache rather than a ref,
// since React refs must not be read during render.
let last: { key: unknown[]; value: CompoundingBuilt } | null = null;

function layOutOnce(ready: CurveResult[], note: string, args: Pick<CompoundingArgs, 'trainedWindowTokens' | 'theme' | 'view'>): CompoundingBuilt {
  const key: unknown[] = [note, args.view, args.theme.dark, args.trainedWindowTokens, ...ready];
  if (last && last.key.length === key.length && last.key.every((k, i) => k === key[i])) return last.value;
  last = { key, value: compoundingBuildReady(ready, note, args) };
  return last.value;
}

/** compoundingChartState with the ready layout memoised (see the module doc). */
export function compoundingChartStateMemo(args: CompoundingArgs): CompoundingBuilt {
  return compoundingChartState(args, (ready, note) => layOutOnce(ready, note, args));
}
