'use client';
/**
 * The Q-ROAR slider proxy's setup (lib/run/diagnosticsProxy) as one TanStack query: the FP and
 * quantized runs at L′ on the dev text (lib/run/diagnosticsRuns runProxyWindows) — the sliders
 * tune the scales, so like the search they read the dev text, never the held-out one the
 * diagnostics show. Keyed like the diagnostics; the runs open the diagnostics' graphs, so no
 * session is loaded for it. It waits for `enabled` (the page: once the diagnostics are drawn),
 * so it never delays a default chart.
 */
import { useQuery } from '@tanstack/react-query';
import { proxySetupInputOf } from '@/lib/run/diagnosticsProxy';
import { runProxyWindows } from '@/lib/run/diagnosticsRuns';
import { scenarioBands, scenarioRope } from '@/lib/run/pressure';
import { quantBuildOf } from '@/lib/run/weightsBuild';
import type { Settings } from '@/lib/settings/settings';
import { getAnalysisClient } from '@/workers/analysis/client';
import { DIAGNOSTICS_PAIRS, DIAGNOSTICS_SEED, diagnosticsGeometryOf, diagnosticsKey, tappedOpener } from './useDiagnostics';
import { unsupportedQuantReason } from './usePerplexityCurves';
import type { ModelInfo } from './useModelInfo';
import { useTokens } from './useTokens';

/** The proxy setup id for the analysis worker (getAnalysisClient().proxyEval), or null while none (or without a quantized scenario). */
export function useProxySetup(settings: Settings, model: ModelInfo | undefined, userText: File | null, enabled: boolean): string | null {
  const tokens = useTokens(settings.text, 'dev', userText, model?.spec?.vocabSize, model ? { key: model.id, tokenizer: model.tokenizer } : undefined);
  const textKey = settings.text === 'user' && userText ? `user:${userText.name}:${userText.size}:${userText.lastModified}` : 'brown-dev';
  const key = ['proxy-setup', ...diagnosticsKey(settings, model, textKey)] as const;
  const query = useQuery({
    queryKey: key,
    enabled: enabled && model !== undefined && model.spec !== null && tokens.data !== undefined,
    gcTime: 60_000,
    queryFn: async ({ signal }): Promise<string | null> => {
      if (!model || !model.spec || !tokens.data) throw new Error('model or text not ready');
      const quantBuild = quantBuildOf(settings.weightQuant, settings.kvQuant);
      if (quantBuild === null || unsupportedQuantReason(settings, model.spec.headDim) !== null) return null;
      const rope = scenarioRope(model.rope, settings);
      const longTokens = settings.targetContextTokens;
      const runs = await runProxyWindows({
        rope,
        tokens: tokens.data,
        longTokens,
        openEngine: tappedOpener(model, settings, signal, () => {}, { tokens: tokens.data, rope }),
      });
      const input = proxySetupInputOf({
        geometry: diagnosticsGeometryOf(model.spec, rope, scenarioBands(model.rope, settings), model.trainedWindow.windowTokens),
        longTokens,
        longFp: runs.longFp,
        longQuant: runs.longQuant,
        pairCount: DIAGNOSTICS_PAIRS,
        seed: DIAGNOSTICS_SEED,
      });
      if (!input) return null;
      const setupId = `proxy:${JSON.stringify(key)}`;
      await getAnalysisClient().proxySetup(setupId, input, { signal });
      return setupId;
    },
  });
  return query.data ?? null;
}
