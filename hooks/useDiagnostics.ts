'use client';
/**
 * The diagnostics of the current scenario as one TanStack query keyed by every setting that
 * changes the numbers (cached, deduplicated, cancelled on change): the engine worker runs the
 * tapped windows (lib/scenario/diagnosticsRuns), the analysis worker turns taps into chart data and
 * keeps the Q-ROAR slider proxy under `proxySetupId` — one set of runs feeds both.
 */
import { useQuery } from '@tanstack/react-query';
import type { NllEngine } from '@/lib/eval/engine';
import type { DiagnosticsResult } from '@/lib/scenario/diagnosticsCompute';
import { runDiagnosticsWindows, type DiagnosticsVariant } from '@/lib/scenario/diagnosticsRuns';
import { scenarioBands, scenarioRope } from '@/lib/scenario/pressure';
import { ropeFrequencies } from '@/lib/rope/frequencies';
import type { RopeConfig } from '@/lib/rope/types';
import { quantBuildOf } from '@/lib/scenario/weightsBuild';
import type { Settings } from '@/lib/settings/settings';
import { getAnalysisClient } from '@/workers/analysis/client';
import type { QroarBuild } from '@/lib/scenario/builds';
import { enginePortOf } from './engineNll';
import { withKvCalibration } from './kvCalibration';
import { progressOf, reportDevice, reportProgress, useJobProgress } from './jobStore';
import { useTokens } from './useTokens';
import { diagnosticsSource, type DiagnosticsSource } from '@/lib/views/diagnosticsStates';
import { unsupportedQuantReason } from './usePerplexityCurves';
import type { ModelInfo } from './useModelInfo';

/** Sampled (m, n) pairs for the logit error and the slider proxy, and the sampler seed. */
export const DIAGNOSTICS_PAIRS = 4096;
export const DIAGNOSTICS_SEED = 1;

export interface DiagnosticsOutcome {
  result: DiagnosticsResult;
  /** Analysis-worker proxy setup for the sliders (getAnalysisClient().proxyEval), null without a quantized run. */
  proxySetupId: string | null;
  /** Why the quantized run was skipped, or null. */
  quantSkipped: string | null;
  device: string;
}

/** The applied Q-ROAR scales as a graph build field; throws when they do not fit the band partition. */
function qroarBuild(model: ModelInfo, settings: Settings): QroarBuild {
  const bands = scenarioBands(model.rope, settings);
  const scales = settings.appliedScales;
  if (!scales || scales.length !== bands.length)
    throw new Error(`the applied Q-ROAR scales have ${scales?.length ?? 0} values for ${bands.length} bands; apply scales for the current band partition`);
  return { variant: settings.qroarVariant, bands, scales };
}

function tappedOpener(
  model: ModelInfo,
  settings: Settings,
  signal: AbortSignal,
  onMessage: (m: string) => void,
  kvCalibration: { tokens: Int32Array; rope: RopeConfig },
) {
  const port = enginePortOf(model);
  const spec = model.spec;
  return async (variant: DiagnosticsVariant, seqLen: number, logits: boolean): Promise<NllEngine> => {
    if (!spec) throw new Error(`model '${model.label}' has no readable architecture to run`);
    const quant = variant === 'fp' || variant === 'fp16' || variant === 'fp-wasm' ? null : quantBuildOf(settings.weightQuant, settings.kvQuant);
    // The backend noise floor: the FP graph again, on the WASM EP (lib/scenario/diagnosticsRuns noiseFloorPlan).
    const device = variant === 'fp-wasm' ? 'wasm' : settings.device;
    // Per-channel KV: scales calibrated on the short context first (hooks/kvCalibration.ts).
    const build = await withKvCalibration(
      model,
      {
        seqLen,
        ...(quant ? { quant: quant.quant, kv: quant.kv } : {}),
        ...(variant === 'ptq+qroar' ? { qroar: qroarBuild(model, settings) } : {}),
        // The noise floor: the same FP model with every weight rounded to float16 (lib/scenario/weightsF16).
        ...(variant === 'fp16' ? { weightPrecision: 'f16' as const } : {}),
        tapLayers: Array.from({ length: spec.numLayers }, (_, l) => l),
        logits,
      },
      { ...kvCalibration, device, signal },
    );
    // A perplexity curve of the same weights builds this very graph (lib/scenario/sharedOutputs) and shares the session;
    // the session key holds the device, so the WASM twin of a WebGPU session gets its own.
    return port.open(build, {
      device,
      signal,
      wantTaps: true,
      // Kept in the worker's cache: a settings round trip reuses it.
      keepOnDispose: true,
      onProgress: (p) => onMessage(`${variant} T=${seqLen} ${p.stage}${p.message ? `: ${p.message}` : ''}`),
      onDevice: reportDevice,
    });
  };
}

export function diagnosticsKey(settings: Settings, model: ModelInfo | undefined, textKey: string) {
  return [
    'diagnostics',
    model?.identity,
    model?.id,
    settings.pi,
    settings.targetContextTokens,
    settings.weightQuant,
    settings.kvQuant,
    settings.bands,
    settings.tirQuantile,
    settings.appliedScales,
    settings.appliedScales ? settings.qroarVariant : null,
    textKey,
    settings.device,
    DIAGNOSTICS_PAIRS,
    DIAGNOSTICS_SEED,
  ] as const;
}

export function useDiagnostics(settings: Settings, model: ModelInfo | undefined, tokens: Int32Array | undefined, textKey: string, enabled = true) {
  const key = diagnosticsKey(settings, model, textKey);
  const progressKey = JSON.stringify(key);
  const query = useQuery({
    queryKey: key,
    enabled: enabled && model !== undefined && model.spec !== null && tokens !== undefined,
    // Taps are large and cheap to recompute relative to holding many settings' worth.
    gcTime: 60_000,
    queryFn: async ({ signal }): Promise<DiagnosticsOutcome> => {
      if (!model || !model.spec || !tokens) throw new Error('model or text not ready');
      const spec = model.spec;
      const rope = scenarioRope(model.rope, settings);
      const bands = scenarioBands(model.rope, settings);
      const trained = model.trainedWindow.windowTokens;
      const longTokens = settings.targetContextTokens;
      const shortTokens = Math.min(trained, longTokens);
      const quantBuild = quantBuildOf(settings.weightQuant, settings.kvQuant);
      const blocked = quantBuild ? unsupportedQuantReason(settings, spec.headDim) : 'neither weights nor KV cache are quantized';
      const quantized = quantBuild !== null && blocked === null;
      // With a quantized K cache attention reads k_kv (quantized post-RoPE keys), else k_post.
      const quantKeyTap = quantBuild?.kv && settings.kvQuant?.keys ? 'k_kv' : 'k_post';
      const progress = (fraction: number, message: string) => reportProgress(progressKey, { fraction, message });
      const runs = await runDiagnosticsWindows({
        rope,
        tokens,
        longTokens,
        shortTokens,
        quantized,
        qroar: settings.appliedScales !== null && settings.appliedScales.length === bands.length,
        noiseFloor: true,
        openEngine: tappedOpener(model, settings, signal, (m) => progress(0, m), { tokens, rope }),
        onProgress: (f, m) => progress(f * 0.9, m),
      });
      progress(0.9, 'analysis: TIR, logit error, KL, activation IP');
      const original = ropeFrequencies(model.rope, { sequenceLengthTokens: longTokens });
      const interpolated = ropeFrequencies(rope, { sequenceLengthTokens: longTokens });
      const proxySetupId = quantized ? `diag:${progressKey}` : null;
      const { result } = await getAnalysisClient().diagnostics(
        {
          geometry: {
            heads: spec.numHeads,
            kvHeads: spec.numKvHeads,
            headDim: spec.headDim,
            rotaryDim: rope.rotaryDim,
            layout: 'half-split',
            layers: Array.from({ length: spec.numLayers }, (_, l) => l),
            bands,
            trainedWindowTokens: trained,
          },
          longTokens,
          shortTokens,
          longFp: runs.longFp,
          shortFp: runs.shortFp,
          longQuant: runs.longQuant,
          longQroar: runs.longQroar,
          ...(runs.qroarLogits ? { qroarLogits: runs.qroarLogits } : {}),
          ...(runs.longFloor ? { longFloor: runs.longFloor } : {}),
          ...(runs.floorLogits ? { floorLogits: runs.floorLogits } : {}),
          ...(runs.floorSource ? { floorSource: runs.floorSource } : {}),
          ...(runs.fpLogits && runs.quantLogits ? { fpLogits: runs.fpLogits, quantLogits: runs.quantLogits, vocab: spec.vocabSize } : {}),
          tirQuantile: settings.tirQuantile,
          pairCount: DIAGNOSTICS_PAIRS,
          seed: DIAGNOSTICS_SEED,
          quantKeyTap,
          frequencies: {
            invFreqOriginalRadPerToken: Array.from(original.invFreqRadPerToken),
            invFreqInterpolatedRadPerToken: Array.from(interpolated.invFreqRadPerToken),
            attentionFactorOriginal: original.attentionFactor,
            attentionFactorInterpolated: interpolated.attentionFactor,
          },
        },
        { signal, ...(proxySetupId ? { proxySetupId } : {}) },
      );
      progress(1, 'done');
      return { result, proxySetupId, quantSkipped: quantized ? null : blocked, device: runs.device };
    },
  });
  return { query, progressKey };
}

export interface DiagnosticsRun {
  source: DiagnosticsSource;
  outcome: DiagnosticsOutcome | undefined;
}

/**
 * The section's view of the run: dev text tokens (the search calibrates on dev, so the slider
 * proxy and these charts share one set of taps), the query, and its progress as a source state.
 */
export function useDiagnosticsRun(
  settings: Settings,
  model: ModelInfo | undefined,
  modelError: unknown,
  userText: File | null,
  enabled: boolean,
): DiagnosticsRun {
  const tokens = useTokens(settings.text, 'dev', userText, model?.spec?.vocabSize, model ? { key: model.id, tokenizer: model.tokenizer } : undefined);
  const textKey = settings.text === 'user' && userText ? `user:${userText.name}:${userText.size}:${userText.lastModified}` : 'brown-dev';
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
