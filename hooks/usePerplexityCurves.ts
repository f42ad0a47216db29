'use client';
/**
 * Perplexity-vs-context curves as TanStack queries, one per (method, variant), keyed by every
 * setting that changes the numbers: cached, deduplicated, and cancelled (AbortSignal → engine
 * 'cancel') when the settings move on. The main method runs first; overlays follow.
 */
import { useQueries } from '@tanstack/react-query';
import { useEffect } from 'react';
import { evaluationContexts } from '@/lib/scenario/contexts';
import { perplexityCurve, type CurveResult } from '@/lib/scenario/perplexityCurve';
import { scenarioBands, scenarioRope } from '@/lib/scenario/pressure';
import type { QroarBuild } from '@/lib/scenario/builds';
import { curveBuild, curveJobs, isFp, type CurveBuild, type CurveJob } from '@/lib/scenario/curveJobs';
import { sharedDiagnosticsOutputs } from '@/lib/scenario/sharedOutputs';
import type { Settings } from '@/lib/settings/settings';
import { quantBuildOf, unsupportedQuantBuild } from '@/lib/scenario/weightsBuild';
import { engineOpener } from './engineNll';
import { getEngineClient } from './engineClient';
import { reportProgress } from './jobStore';
import type { ModelInfo } from './useModelInfo';
import type { WindowScoring } from '@/lib/eval/scoring';
import { addedBosId } from '@/lib/tokenize/describeSource';

/**
 * Tokens scored per context and curve: one 1024-token window for the default scenario keeps the
 * first charts to seconds in WASM (the chart note states windows × tokens per context).
 */
export const PPL_TOKEN_BUDGET = 1024;
export const PPL_MAX_WINDOWS = 4;

export { curveJobs, isFp, type CurveJob };

/** Why the quantized variant cannot run with these settings, or null. */
export function unsupportedQuantReason(settings: Settings, headDim?: number): string | null {
  return unsupportedQuantBuild(settings.kvQuant, headDim);
}

/** The applied Q-ROAR scales as a graph build field (bands of the main method's partition). */
function appliedQroar(model: ModelInfo, settings: Settings): QroarBuild {
  const bands = scenarioBands(model.rope, settings);
  if (!settings.appliedScales || settings.appliedScales.length !== bands.length) {
    throw new Error(
      `the applied Q-ROAR scales have ${settings.appliedScales?.length ?? 0} values for ${bands.length} bands; apply scales for the current band partition`,
    );
  }
  return { variant: settings.qroarVariant, bands, scales: settings.appliedScales };
}

export function usePerplexityCurves(settings: Settings, model: ModelInfo | undefined, tokens: Int32Array | undefined, textKey: string) {
  // Start the engine worker at mount: its ORT WASM module then compiles while the page fetches
  // the model config and the text, instead of after them.
  useEffect(() => {
    getEngineClient();
  }, []);
  const jobs = curveJobs(settings);
  const quant = quantBuildOf(settings.weightQuant, settings.kvQuant);
  const trained = model ? model.trainedWindow.windowTokens : 0;
  const scoring: WindowScoring = { mode: settings.scoreMode, bosId: model ? addedBosId(model.tokenizer) : null };
  const contexts = model ? evaluationContexts(trained, settings.targetContextTokens) : [];
  const blocked = unsupportedQuantReason(settings, model?.spec?.headDim);
  const piKey = [settings.pi.factor, settings.pi.betaFast, settings.pi.betaSlow, settings.pi.lowFreqFactor, settings.pi.highFreqFactor];
  const mainMethod = settings.pi.method;
  const qroarKey = settings.appliedScales ? [settings.qroarVariant, settings.appliedScales, settings.bands] : null;
  const keyOf = (job: CurveJob) =>
    [
      'ppl',
      model?.identity,
      model?.id,
      job.method,
      job.variant,
      isFp(job) ? null : quant,
      piKey,
      contexts,
      PPL_TOKEN_BUDGET,
      PPL_MAX_WINDOWS,
      textKey,
      settings.device,
      scoring,
      job.variant === 'ptq+qroar' || job.variant === 'fp+qroar' ? qroarKey : null,
    ] as const;
  // At the diagnostics' lengths a curve's graph takes on their tap/logit outputs, so both use one
  // session (any PI method: RoPE tables are inputs); the Q-ROAR control has no diagnostics twin.
  const diagnosticsShape = {
    longTokens: settings.targetContextTokens,
    shortTokens: Math.min(trained, settings.targetContextTokens),
    quantized: quant !== null && blocked === null,
  };
  const sharedBuildOf = (job: CurveJob, build: CurveBuild) => (seqLen: number) => {
    const shared = model?.spec && job.variant !== 'fp+qroar' ? sharedDiagnosticsOutputs(model.spec, seqLen, diagnosticsShape) : null;
    return shared ? { ...build, ...shared } : build;
  };
  const makeQuery = (job: CurveJob, ready: boolean) => ({
    queryKey: keyOf(job),
    enabled: ready && model !== undefined && tokens !== undefined && !(!isFp(job) && blocked),
    queryFn: async ({ signal }: { signal: AbortSignal }): Promise<CurveResult> => {
      if (!model || !tokens) throw new Error('model or text not ready');
      const progressKey = JSON.stringify(keyOf(job));
      const rope = scenarioRope(model.rope, settings, job.method);
      return perplexityCurve({
        method: job.method,
        variant: job.variant,
        rope,
        tokens,
        contexts,
        tokenBudget: PPL_TOKEN_BUDGET,
        maxWindows: PPL_MAX_WINDOWS,
        openEngine: engineOpener(
          model,
          sharedBuildOf(
            job,
            curveBuild(job, quant, () => appliedQroar(model, settings)),
          ),
          settings.device,
          signal,
          (m) => reportProgress(progressKey, { fraction: 0, message: m }),
          { tokens, rope },
        ),
        onProgress: (fraction, message) => reportProgress(progressKey, { fraction, message }),
        scoring,
      });
    },
  });
  const mainJobs = jobs.filter((j) => j.method === mainMethod);
  const overlayJobs = jobs.filter((j) => j.method !== mainMethod);
  const mainResults = useQueries({ queries: mainJobs.map((j) => makeQuery(j, true)) });
  // Overlays wait for the main curves so the first chart is ready as early as possible.
  const mainSettled = mainResults.every((r) => !r.isPending || r.fetchStatus === 'idle');
  const overlayResults = useQueries({ queries: overlayJobs.map((j) => makeQuery(j, mainSettled)) });
  const ordered = [...mainJobs, ...overlayJobs];
  const results = [...mainResults, ...overlayResults];
  return { jobs: ordered, results, contexts, blocked, mainMethod, progressKeys: ordered.map((j) => JSON.stringify(keyOf(j))) };
}
