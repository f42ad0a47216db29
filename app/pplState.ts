/** Query results → the perplexity chart's state (loading with progress, error with a next step, or ready). */
import type { UseQueryResult } from '@tanstack/react-query';
import type { ChartState } from '@/components/charts/ChartCard';
import { pplOption, pplTable } from '@/lib/charts/curves';
import type { ChartTheme, PplCurve } from '@/lib/charts/types';
import type { AxisScaleChoice } from '@/lib/charts/axisScale';
import type { CurveResult } from '@/lib/run/perplexityCurve';
import { isFp, type CurveJob } from '@/hooks/usePerplexityCurves';
import type { JobProgress } from '@/hooks/jobStore';

/** What every chart drawn from the perplexity-curve queries reads. */
export interface CurveStateArgs {
  jobs: CurveJob[];
  results: Array<UseQueryResult<CurveResult>>;
  progress: Array<JobProgress | undefined>;
  mainMethod: string;
  blocked: string | null;
  trainedWindowTokens: number;
  theme: ChartTheme;
  upstreamError: string | null;
}

export function pplChartState(args: CurveStateArgs & {
  /** y-axis choice (settings.pplAxis). */
  yScale: AxisScaleChoice;
  /** Shown in the note when set, e.g. how per-channel KV scales were calibrated. */
  kvNote?: string | null;
}): { state: ChartState; curves: PplCurve[] } {
  const { jobs, results, progress } = args;
  if (args.upstreamError) return { state: { status: 'error', message: args.upstreamError, hint: 'Go back to the built-in model and the bundled text, or fix the file.' }, curves: [] };
  const curves: PplCurve[] = [];
  const pending: string[] = [];
  const failed: string[] = [];
  let mainLoading: { fraction: number; message: string } | null = null;
  jobs.forEach((job, i) => {
    const r = results[i];
    if (r.data) curves.push(r.data.curve);
    else if (r.isError) failed.push(`${job.key}: ${r.error instanceof Error ? r.error.message : String(r.error)}`);
    else if (!(!isFp(job) && args.blocked)) {
      pending.push(job.key);
      if (job.method === args.mainMethod && !mainLoading) mainLoading = { fraction: progress[i]?.fraction ?? 0, message: progress[i]?.message ?? `queued: ${job.key}` };
    }
  });
  const mainFailed = jobs.some((j, i) => j.method === args.mainMethod && results[i].isError);
  if (mainFailed) return { state: { status: 'error', message: failed.join('; '), hint: 'Check the settings on the left; other charts keep working.' }, curves };
  if (mainLoading !== null) {
    const m = mainLoading as { fraction: number; message: string };
    return { state: { status: 'loading', message: `Running the engine — ${m.message}`, fraction: m.fraction }, curves };
  }
  if (curves.length === 0) return { state: { status: 'loading', message: 'Waiting for the model and the text…' }, curves };
  const notes = [
    windowsNote(jobs, results, args.mainMethod),
    pending.length ? `still running: ${pending.join(', ')}` : '',
    failed.length ? `failed: ${failed.join('; ')}` : '',
    args.blocked ? `quantized curves not run: ${args.blocked}` : '',
    curves.some((c) => c.variant === 'ptq+qroar') ? 'FP + Q-ROAR (dash-dot): the same scales on the full-precision model, the control.' : 'The PTQ + Q-ROAR curve and its FP + Q-ROAR control appear after Apply in the Q-ROAR panel.',
    curves.some((c) => c.variant !== 'fp') ? (args.kvNote ?? '') : '',
  ].filter(Boolean);
  const data = { curves, trainedWindowTokens: args.trainedWindowTokens };
  return { state: { status: 'ready', option: pplOption(data, args.theme, args.yScale), table: pplTable(data), note: notes.join(' · ') }, curves };
}

/** How many held-out tokens stand behind each point of the main curve, so a short default run reads honestly. */
function windowsNote(jobs: CurveJob[], results: Array<UseQueryResult<CurveResult>>, mainMethod: string): string {
  const i = jobs.findIndex((j, k) => j.method === mainMethod && results[k].data);
  const per = i >= 0 ? results[i].data?.perContext : undefined;
  if (!per || per.length === 0) return '';
  const counts = per.map((r) => `${r.context}: ${r.windows}×${r.context}`);
  return `held-out tokens per context (windows × tokens): ${counts.join(', ')}`;
}
