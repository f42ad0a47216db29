'use client';
/**
 * The diagnostics of the current scenario as one TanStack query keyed by `plan.key` (cached,
 * deduplicated, cancelled on change). The whole job runs in the analysis worker
 * (workers/analysis/jobs.ts): it plans the scenario from the settings and model facts, runs
 * lib/scenario/diagnosticsJob's tapped windows over the held-out text on its own connection to the
 * engine worker, and turns the taps into chart data; the page sends ids and gets charts, never
 * taps, and only relays progress and the device used. The
 * Q-ROAR slider proxy is set up from the dev text instead (hooks/useProxySetup): the sliders tune.
 */
import { useQuery } from '@tanstack/react-query';
import type { DiagnosticsResult } from '@/lib/scenario/diagnosticsCompute';
import { DIAGNOSTICS_DEFAULTS } from '@/lib/scenario/plan';
import type { Settings } from '@/lib/settings/settings';
import { jobModelOf } from '@/workers/engine/jobModel';
import { getJobAnalysisClient } from './engineClient';
import { progressOf, reportDevice, reportProgress, useJobProgress } from './jobStore';
import { useScenarioPlan } from './scenarioPlan';
import { useTokens } from './useTokens';
import { diagnosticsSource, type DiagnosticsSource } from '@/lib/views/diagnosticsStates';
import type { ModelInfo } from './useModelInfo';

/** Sampled (m, n) pairs for the logit error and the slider proxy, and the sampler seed (lib/scenario/plan DIAGNOSTICS_DEFAULTS). */
export const DIAGNOSTICS_PAIRS = DIAGNOSTICS_DEFAULTS.pairs;
export const DIAGNOSTICS_SEED = DIAGNOSTICS_DEFAULTS.seed;

export interface DiagnosticsOutcome {
  result: DiagnosticsResult;
  /** Why the quantized run was skipped, or null. */
  quantSkipped: string | null;
  device: string;
}

export function useDiagnostics(settings: Settings, model: ModelInfo | undefined, tokens: Int32Array | undefined, textKey: string, enabled = true) {
  const { plan, error } = useScenarioPlan(settings, model);
  const key = plan ? plan.key({ kind: 'diagnostics', text: textKey }) : `diagnostics:unplanned:${error?.message ?? ''}`;
  const query = useQuery({
    queryKey: [key],
    enabled: enabled && model !== undefined && model.spec !== null && tokens !== undefined,
    // Taps are large and cheap to recompute relative to holding many settings' worth.
    gcTime: 60_000,
    queryFn: async ({ signal }): Promise<DiagnosticsOutcome> => {
      if (error) throw error;
      if (!plan || !model || !model.spec || !tokens) throw new Error('model or text not ready');
      const progress = (fraction: number, message: string) => reportProgress(key, { fraction, message });
      // The plan above keys the query and reports a setting the rope refuses; the worker plans the same settings again.
      const job = await getJobAnalysisClient().diagnosticsJob(
        { settings, model: jobModelOf(model), tokens },
        {
          signal,
          onProgress: (p) => {
            if (p.device) reportDevice(p.device);
            if (p.fraction !== undefined && p.message !== undefined) progress(p.fraction, p.message);
          },
        },
      );
      progress(1, 'done');
      return { result: job.result, quantSkipped: job.quantSkipped, device: job.device };
    },
  });
  return { query, progressKey: key };
}

export interface DiagnosticsRun {
  source: DiagnosticsSource;
  outcome: DiagnosticsOutcome | undefined;
}

/** The section's view of the run: the held-out text's tokens, the query, and its progress as a source state. */
export function useDiagnosticsRun(
  settings: Settings,
  model: ModelInfo | undefined,
  modelError: unknown,
  userText: File | null,
  enabled: boolean,
): DiagnosticsRun {
  const tokens = useTokens(settings.text, 'test', userText, model?.spec?.vocabSize, model ? { key: model.id, tokenizer: model.tokenizer } : undefined);
  const textKey = settings.text === 'user' && userText ? `user:${userText.name}:${userText.size}:${userText.lastModified}` : 'brown-test';
  const { query, progressKey } = useDiagnostics(settings, model, tokens.data, textKey, enabled);
  useJobProgress(progressKey);
  const p = progressOf(progressKey);
  const source = diagnosticsSource({
    outcome: query.data,
    modelError,
    tokensError: tokens.isError ? tokens.error : null,
    modelRunnable: !(model && !model.spec),
    queryError: query.isError ? query.error : null,
    progress: p,
  });
  return { source, outcome: query.data };
}
