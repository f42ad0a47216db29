'use client';
/**
 * Perplexity-vs-context curves as TanStack queries, one per (method, variant) of the plan, keyed
 * by `plan.key(job)` (every input that changes the numbers): cached, deduplicated, and cancelled
 * (AbortSignal → the analysis worker's cancel → engine 'cancel') when the settings move on. The
 * job is lib/scenario/curveRun, run whole in the analysis worker (workers/analysis/jobs.ts
 * `curveJob`) on its own connection to the page's engine worker — the same sessions and run memo
 * as the diagnostics; the page sends settings, model facts and ids and gets the curve back. The
 * main method runs first, overlays follow.
 */
import { useQueries } from '@tanstack/react-query';
import { curveJobs, isFp, type CurveJob } from '@/lib/scenario/curveJobs';
import type { CurveResult } from '@/lib/scenario/perplexityCurve';
import { PPL_DEFAULTS } from '@/lib/scenario/plan';
import type { Settings } from '@/lib/settings/settings';
import { unsupportedQuantBuild } from '@/lib/scenario/weightsBuild';
import { jobModelOf } from '@/workers/engine/jobModel';
import { getJobAnalysisClient } from './engineClient';
import { reportDevice, reportProgress } from './jobStore';
import { useScenarioPlan } from './scenarioPlan';
import type { ModelInfo } from './useModelInfo';

/** Tokens scored per context and curve, and the most windows per context (lib/scenario/plan PPL_DEFAULTS). */
export const PPL_TOKEN_BUDGET = PPL_DEFAULTS.tokenBudget;
export const PPL_MAX_WINDOWS = PPL_DEFAULTS.maxWindows;

export { curveJobs, isFp, type CurveJob };

/** Why the quantized variant cannot run with these settings, or null. */
export function unsupportedQuantReason(settings: Settings, headDim?: number): string | null {
  return unsupportedQuantBuild(settings.kvQuant, headDim);
}

export function usePerplexityCurves(settings: Settings, model: ModelInfo | undefined, tokens: Int32Array | undefined, textKey: string) {
  const { plan, error } = useScenarioPlan(settings, model);
  const jobs = plan ? plan.curves : curveJobs(settings);
  const blocked = plan ? plan.blocked : null;
  const keyOf = (job: CurveJob): string =>
    plan ? plan.key({ kind: 'curve', method: job.method, variant: job.variant, text: textKey }) : `ppl:unplanned:${job.key}:${error?.message ?? ''}`;
  const makeQuery = (job: CurveJob, ready: boolean) => ({
    queryKey: [keyOf(job)],
    enabled: ready && model !== undefined && tokens !== undefined && !(!isFp(job) && blocked),
    queryFn: async ({ signal }: { signal: AbortSignal }): Promise<CurveResult> => {
      if (error) throw error;
      if (!plan || !model || !tokens) throw new Error('model or text not ready');
      const progressKey = keyOf(job);
      // The plan above keys the query and holds back a blocked variant; the worker plans the same settings again.
      return getJobAnalysisClient().curveJob({ settings, model: jobModelOf(model), tokens }, job, {
        signal,
        onProgress: (p) => {
          if (p.device) reportDevice(p.device);
          if (p.fraction !== undefined && p.message !== undefined) reportProgress(progressKey, { fraction: p.fraction, message: p.message });
        },
      });
    },
  });
  const mainMethod = settings.pi.method;
  const mainJobs = jobs.filter((j) => j.method === mainMethod);
  const overlayJobs = jobs.filter((j) => j.method !== mainMethod);
  const mainResults = useQueries({ queries: mainJobs.map((j) => makeQuery(j, true)) });
  // Overlays wait for the main curves so the first chart is ready as early as possible.
  const mainSettled = mainResults.every((r) => !r.isPending || r.fetchStatus === 'idle');
  const overlayResults = useQueries({ queries: overlayJobs.map((j) => makeQuery(j, mainSettled)) });
  const ordered = [...mainJobs, ...overlayJobs];
  const results = [...mainResults, ...overlayResults];
  return { jobs: ordered, results, contexts: plan ? plan.contexts : [], blocked, mainMethod, progressKeys: ordered.map(keyOf) };
}
