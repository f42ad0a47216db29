/**
 * Perplexity-curve query results (live) or a report's perplexity section → the perplexity chart
 * and the quantization-gap chart. Both read the same curve results; the gap chart has no jobs of
 * its own (issue #12 item 2): it waits for the main method's FP and PTQ curves and lays out
 * whatever else has arrived (overlay methods, the Q-ROAR pair after Apply).
 */
import type { AxisScaleChoice } from '../charts/axisScale';
import { compoundingData, methodCurvesOf, type CompoundingData } from '../charts/compounding';
import { compoundingOption, compoundingTable, compoundingViewHasData, type CompoundingView } from '../charts/compoundingChart';
import { pplOption, pplTable } from '../charts/curves';
import type { ChartTheme, PplCurve } from '../charts/types';
import type { RunReport } from '../report/report';
import { isFp, type CurveJob } from '../scenario/curveJobs';
import type { CurveResult } from '../scenario/perplexityCurve';
import {
  engineState,
  errorText,
  FROM_REPORT_NOTE,
  inputErrorState,
  jobFailedState,
  notInReportState,
  notQuantizedState,
  readyState,
  waitingState,
  type ChartState,
  type JobProgressLike,
  type QueryLike,
} from './chartState';

/** What every chart drawn from the perplexity-curve queries reads; results and progress are in job order. */
export interface CurveStateArgs {
  jobs: CurveJob[];
  results: Array<QueryLike<CurveResult>>;
  progress: Array<JobProgressLike | undefined>;
  mainMethod: string;
  /** Why the quantized curves cannot run (e.g. a KV setting), or null. */
  blocked: string | null;
  trainedWindowTokens: number;
  theme: ChartTheme;
  /** The model or text could not be read (message names which), or null. */
  upstreamError: string | null;
}

export function pplChartState(
  args: CurveStateArgs & {
    /** y-axis choice (settings.pplAxis). */
    yScale: AxisScaleChoice;
    /** Shown in the note when set, e.g. how per-channel KV scales were calibrated. */
    kvNote?: string | null;
  },
): { state: ChartState; curves: PplCurve[] } {
  const { jobs, results, progress } = args;
  if (args.upstreamError) return { state: inputErrorState(args.upstreamError), curves: [] };
  const curves: PplCurve[] = [];
  const pending: string[] = [];
  const failed: string[] = [];
  let mainPending = -1;
  jobs.forEach((job, i) => {
    const r = results[i];
    if (r.data) curves.push(r.data.curve);
    else if (r.isError) failed.push(`${job.key}: ${errorText(r.error)}`);
    else if (!(!isFp(job) && args.blocked)) {
      pending.push(job.key);
      if (job.method === args.mainMethod && mainPending < 0) mainPending = i;
    }
  });
  const mainFailed = jobs.some((j, i) => j.method === args.mainMethod && results[i].isError);
  if (mainFailed) return { state: jobFailedState(failed.join('; ')), curves };
  if (mainPending >= 0) return { state: engineState(`Perplexity (${jobs[mainPending].key})`, progress[mainPending]), curves };
  if (curves.length === 0) return { state: waitingState('the model and the text'), curves };
  const notes = [
    windowsNote(jobs, results, args.mainMethod),
    pending.length ? `still running: ${pending.join(', ')}` : '',
    failed.length ? `failed: ${failed.join('; ')}` : '',
    args.blocked ? `quantized curves not run: ${args.blocked}` : '',
    curves.some((c) => c.variant === 'ptq+qroar')
      ? 'FP + Q-ROAR (dash-dot): the same scales on the full-precision model, the control.'
      : 'The PTQ + Q-ROAR curve and its FP + Q-ROAR control appear after Apply in the Q-ROAR panel.',
    curves.some((c) => c.variant !== 'fp') ? (args.kvNote ?? '') : '',
  ].filter(Boolean);
  const data = { curves, trainedWindowTokens: args.trainedWindowTokens };
  return { state: readyState(pplOption(data, args.theme, args.yScale), pplTable(data), notes.join(' · ')), curves };
}

/** How many held-out tokens stand behind each point of the main curve, so a short default run reads honestly. */
function windowsNote(jobs: CurveJob[], results: Array<QueryLike<CurveResult>>, mainMethod: string): string {
  const i = jobs.findIndex((j, k) => j.method === mainMethod && results[k].data);
  const per = i >= 0 ? results[i].data?.perContext : undefined;
  if (!per || per.length === 0) return '';
  const counts = per.map((r) => `${r.context}: ${r.windows}×${r.context}`);
  return `held-out tokens per context (windows × tokens): ${counts.join(', ')}`;
}

/** The perplexity chart of an opened report. */
export function reportPplState(perplexity: RunReport['perplexity'], theme: ChartTheme, yScale: AxisScaleChoice = 'auto'): ChartState {
  if (!perplexity || perplexity.curves.length === 0) return notInReportState('perplexity curves');
  const data = { curves: perplexity.curves, trainedWindowTokens: perplexity.trainedWindowTokens };
  return readyState(pplOption(data, theme, yScale), pplTable(data), `${FROM_REPORT_NOTE} ${perplexity.tokenBudget} tokens scored per context.`);
}

/** Ready state of a compounding data set (a live run or a report), or an error when the view has nothing to draw. */
export function compoundingReadyState(data: CompoundingData, view: CompoundingView, theme: ChartTheme, note: string): ChartState {
  if (!compoundingViewHasData(data, view)) {
    return view === 'position'
      ? {
          status: 'error',
          message: 'No per-position NLL here (a report saved before it was recorded holds only perplexity per context).',
          hint: 'Choose the relative or absolute view.',
        }
      : notQuantizedState('no pair of quantized and full-precision curves to compare');
  }
  return readyState(compoundingOption(data, view, theme), compoundingTable(data, view), note || undefined);
}

/** The quantization-gap chart of an opened report. */
export function reportCompoundingState(perplexity: RunReport['perplexity'], view: CompoundingView, theme: ChartTheme): ChartState {
  if (!perplexity || perplexity.curves.length === 0) return notInReportState('perplexity curves');
  try {
    const data = {
      ...compoundingData(methodCurvesOf(perplexity.curves.map((curve) => ({ curve }))), perplexity.trainedWindowTokens),
      positions: perplexity.positionGaps ?? [],
    };
    return compoundingReadyState(data, view, theme, FROM_REPORT_NOTE);
  } catch (err) {
    return jobFailedState(errorText(err));
  }
}

export interface CompoundingArgs extends CurveStateArgs {
  view: CompoundingView;
}

export interface CompoundingBuilt {
  state: ChartState;
  /** The laid-out gaps (the report records `positions`), or null when nothing is ready. */
  data: CompoundingData | null;
}

/** Lays out the ready curve results (in job order) with the note; the expensive part, which a caller may memoise. */
export function compoundingBuildReady(
  ready: CurveResult[],
  note: string,
  args: Pick<CompoundingArgs, 'trainedWindowTokens' | 'theme' | 'view'>,
): CompoundingBuilt {
  try {
    const data = compoundingData(methodCurvesOf(ready), args.trainedWindowTokens);
    return { state: compoundingReadyState(data, args.view, args.theme, note), data };
  } catch (err) {
    // Inconsistent curve results (e.g. windows of different lengths) must not take the page down.
    return { state: jobFailedState(errorText(err)), data: null };
  }
}

/** See module doc. `build` lays out the ready results (default: compoundingBuildReady, no memo). */
export function compoundingChartState(
  args: CompoundingArgs,
  build: (ready: CurveResult[], note: string) => CompoundingBuilt = (r, n) => compoundingBuildReady(r, n, args),
): CompoundingBuilt {
  const { jobs, results, progress } = args;
  if (args.upstreamError) return { state: inputErrorState(args.upstreamError), data: null };
  if (!jobs.some((j) => j.variant === 'ptq')) return { state: notQuantizedState(), data: null };
  if (args.blocked)
    return {
      state: { status: 'error', message: `The quantized curves cannot run: ${args.blocked}`, hint: 'Change the KV-cache settings on the left.' },
      data: null,
    };
  const main = jobs
    .map((j, i) => ({ j, r: results[i], p: progress[i] }))
    .filter(({ j }) => j.method === args.mainMethod && (j.variant === 'fp' || j.variant === 'ptq'));
  const failed = main.find(({ r }) => r.isError);
  if (failed) return { state: jobFailedState(`${failed.j.key}: ${errorText(failed.r.error)}`), data: null };
  const waiting = main.find(({ r }) => !r.data);
  if (waiting)
    return { state: engineState(`Quantization gap (the ${args.mainMethod} ${isFp(waiting.j) ? 'full-precision' : 'quantized'} curve)`, waiting.p), data: null };
  const ready = results.flatMap((r) => (r.data ? [r.data] : []));
  const pending = jobs.filter((_, i) => !results[i].data && !results[i].isError).map((j) => j.key);
  const hasAfter = jobs.some((j, i) => j.variant === 'ptq+qroar' && results[i].data) && jobs.some((j, i) => j.variant === 'fp+qroar' && results[i].data);
  const appliedPending = jobs.some((j, i) => (j.variant === 'ptq+qroar' || j.variant === 'fp+qroar') && !results[i].data);
  const notes = [
    pending.length ? `still running: ${pending.join(', ')}` : '',
    hasAfter
      ? 'Dashed: after Q-ROAR, the quantized model with the applied scales against the full-precision model with the same scales.'
      : appliedPending
        ? ''
        : 'The dashed after-Q-ROAR lines appear after Apply in the Q-ROAR panel.',
  ].filter(Boolean);
  return build(ready, notes.join(' · '));
}
