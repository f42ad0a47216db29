/**
 * Perplexity-curve query results → the quantization-gap chart's state (issue #12 item 2). No jobs
 * of its own: it waits for the main method's FP and PTQ curves and lays out whatever else has
 * arrived (overlay methods, the Q-ROAR pair after Apply).
 */
import { useRef } from 'react';
import type { ChartState } from '@/components/charts/ChartCard';
import { compoundingData, methodCurvesOf, type CompoundingData } from '@/lib/charts/compounding';
import { compoundingOption, compoundingTable, compoundingViewHasData, type CompoundingView } from '@/lib/charts/compoundingChart';
import type { ChartTheme } from '@/lib/charts/types';
import type { CurveResult } from '@/lib/run/perplexityCurve';
import { isFp } from '@/hooks/usePerplexityCurves';
import type { CurveStateArgs } from './pplState';

/** Ready state of a compounding data set (a live run or a report), or an error when the view has nothing to draw. */
export function compoundingReadyState(data: CompoundingData, view: CompoundingView, theme: ChartTheme, note: string): ChartState {
  if (!compoundingViewHasData(data, view)) {
    return view === 'position'
      ? { status: 'error', message: 'No per-position NLL here (a report saved before it was recorded holds only perplexity per context).', hint: 'Choose the relative or absolute view.' }
      : { status: 'error', message: 'No pair of quantized and full-precision curves to compare.', hint: 'Turn on weight or KV-cache quantization on the left.' };
  }
  return { status: 'ready', option: compoundingOption(data, view, theme), table: compoundingTable(data, view), ...(note ? { note } : {}) };
}

export interface CompoundingArgs extends CurveStateArgs {
  view: CompoundingView;
}

type Built = { state: ChartState; data: CompoundingData | null };

/** Lays out the ready curve results (in job order) with the note; the expensive part, memoised by the hook below. */
function buildReady(ready: CurveResult[], note: string, args: Pick<CompoundingArgs, 'trainedWindowTokens' | 'theme' | 'view'>): Built {
  try {
    const data = compoundingData(methodCurvesOf(ready), args.trainedWindowTokens);
    return { state: compoundingReadyState(data, args.view, args.theme, note), data };
  } catch (err) {
    // Inconsistent curve results (e.g. windows of different lengths) must not take the page down.
    return { state: { status: 'error', message: err instanceof Error ? err.message : String(err), hint: 'Change the settings or reload; the other charts keep working.' }, data: null };
  }
}

/** See module doc. `build` lays out the ready results (default: no memo). */
export function compoundingChartState(args: CompoundingArgs, build: (ready: CurveResult[], note: string) => Built = (r, n) => buildReady(r, n, args)): Built {
  const { jobs, results, progress } = args;
  if (args.upstreamError) return { state: { status: 'error', message: args.upstreamError, hint: 'Go back to the built-in model and the bundled text, or fix the file.' }, data: null };
  if (!jobs.some((j) => j.variant === 'ptq')) {
    return { state: { status: 'error', message: 'Nothing is quantized, so there is no quantization gap to show.', hint: 'Turn on weight or KV-cache quantization on the left.' }, data: null };
  }
  if (args.blocked) return { state: { status: 'error', message: `The quantized curves cannot run: ${args.blocked}`, hint: 'Change the KV-cache settings on the left.' }, data: null };
  const main = jobs.map((j, i) => ({ j, r: results[i], p: progress[i] })).filter(({ j }) => j.method === args.mainMethod && (j.variant === 'fp' || j.variant === 'ptq'));
  const failed = main.find(({ r }) => r.isError);
  if (failed) {
    const e = failed.r.error;
    return { state: { status: 'error', message: `${failed.j.key}: ${e instanceof Error ? e.message : String(e)}`, hint: 'Check the settings on the left; other charts keep working.' }, data: null };
  }
  const waiting = main.find(({ r }) => !r.data);
  if (waiting) {
    return { state: { status: 'loading', message: `Waiting for the ${args.mainMethod} ${isFp(waiting.j) ? 'full-precision' : 'quantized'} curve — ${waiting.p?.message ?? 'queued'}`, fraction: waiting.p?.fraction ?? 0 }, data: null };
  }
  const ready = results.flatMap((r) => (r.data ? [r.data] : []));
  const pending = jobs.filter((_, i) => !results[i].data && !results[i].isError).map((j) => j.key);
  const hasAfter = jobs.some((j, i) => j.variant === 'ptq+qroar' && results[i].data) && jobs.some((j, i) => j.variant === 'fp+qroar' && results[i].data);
  const appliedPending = jobs.some((j, i) => (j.variant === 'ptq+qroar' || j.variant === 'fp+qroar') && !results[i].data);
  const notes = [
    pending.length ? `still running: ${pending.join(', ')}` : '',
    hasAfter ? 'Dashed: after Q-ROAR, the quantized model with the applied scales against the full-precision model with the same scales.' : appliedPending ? '' : 'The dashed after-Q-ROAR lines appear after Apply in the Q-ROAR panel.',
  ].filter(Boolean);
  return build(ready, notes.join(' · '));
}

/**
 * compoundingChartState for the panel, which re-renders many times a second with progress: the
 * ready chart (data, option, table) is rebuilt only when a curve result, the note, the view, the
 * theme or L changes, so the chart is not handed a new option on every progress message.
 */
export function useCompoundingChartState(args: CompoundingArgs): Built {
  const last = useRef<{ key: unknown[]; value: Built } | null>(null);
  return compoundingChartState(args, (ready, note) => {
    const key: unknown[] = [note, args.view, args.theme.dark, args.trainedWindowTokens, ...ready];
    const prev = last.current;
    if (prev && prev.key.length === key.length && prev.key.every((k, i) => k === key[i])) return prev.value;
    const value = buildReady(ready, note, args);
    last.current = { key, value };
    return value;
  });
}
