'use client';
/**
 * The Q-ROAR slider proxy's setup as one TanStack query, run whole in the analysis worker
 * (workers/analysis/jobs.ts): lib/scenario/diagnosticsJob runProxySetup runs the FP and quantized
 * model at L′ on the dev text — the sliders tune the scales, so like the search they read the dev
 * text, never the held-out one the diagnostics show — on the diagnostics' own graphs (no session
 * is loaded for it) over the worker's own engine connection, and the worker keeps the proxy; the
 * page sends settings, model facts and ids and gets the setup id back. It waits for
 * `enabled` (the page: once the diagnostics are drawn), so it never delays a default chart.
 */
import { useQuery } from '@tanstack/react-query';
import type { Settings } from '@/lib/settings/settings';
import { jobModelOf } from '@/workers/engine/jobModel';
import { getJobAnalysisClient } from './engineClient';
import { reportDevice } from './jobStore';
import { useScenarioPlan } from './scenarioPlan';
import type { ModelInfo } from './useModelInfo';
import { useTokens } from './useTokens';

/** The proxy setup id for the analysis worker (getAnalysisClient().proxyEval), or null while none (or nothing is quantized). */
export function useProxySetup(settings: Settings, model: ModelInfo | undefined, userText: File | null, enabled: boolean): string | null {
  const { plan, error } = useScenarioPlan(settings, model);
  const tokens = useTokens(settings.text, 'dev', userText, model?.spec?.vocabSize, model ? { key: model.id, tokenizer: model.tokenizer } : undefined);
  const textKey = settings.text === 'user' && userText ? `user:${userText.name}:${userText.size}:${userText.lastModified}` : 'brown-dev';
  const key = `proxy-setup|${plan ? plan.key({ kind: 'diagnostics', text: textKey }) : `unplanned:${error?.message ?? ''}`}`;
  const query = useQuery({
    queryKey: [key],
    enabled: enabled && plan !== null && model !== undefined && model.spec !== null && tokens.data !== undefined,
    gcTime: 60_000,
    queryFn: async ({ signal }): Promise<string | null> => {
      if (!plan || !model || !tokens.data) throw new Error('model or text not ready');
      // No progress line (it never delays a chart); the device used is still reported.
      return getJobAnalysisClient().proxySetupJob(
        key,
        { settings, model: jobModelOf(model), tokens: tokens.data },
        { signal, onProgress: (p) => p.device && reportDevice(p.device) },
      );
    },
  });
  return query.data ?? null;
}
