'use client';
/** An lib/eval NllEngine over the engine worker: one cached session per (model, quant, T, taps). */
import type { NllEngine } from '@/lib/eval/engine';
import type { RopeConfig } from '@/lib/rope/types';
import type { DeviceChoice } from '@/lib/settings/settings';
import type { GraphBuildRequest, ModelSource } from '@/workers/engine/protocol';
import { createEnginePort, type EnginePort } from '@/workers/engine/nllEngine';
import type { ModelInfo } from './useModelInfo';
import { getEngineClient } from './engineClient';
import { reportDevice } from './jobStore';
import { withKvCalibration } from './kvCalibration';

/**
 * Where the worker reads this model from: the served folder ('hf-url') or the user's own files
 * ('files', read by byte range in the worker). The page's memory budget travels with the build.
 */
export function modelSourceOf(model: ModelInfo, build: GraphBuildRequest): ModelSource {
  const withBudget: GraphBuildRequest = { memoryBudgetBytes: model.memoryBudgetBytes, memoryBudgetReason: model.memoryBudgetReason, ...build };
  if (model.baseUrl !== null) return { kind: 'hf-url', baseUrl: model.baseUrl, build: withBudget };
  if (model.files !== null) return { kind: 'files', files: model.files, build: withBudget };
  throw new Error(`model '${model.label}' has neither a served folder nor local files to run`);
}

/**
 * Opens an engine per context length. `kvCalibration` (the text and RoPE of the runs) is needed
 * when the build's KV cache is per-channel: its scales are calibrated first (hooks/kvCalibration.ts).
 */
export function engineOpener(
  model: ModelInfo,
  /** The build, or the build for each T (a perplexity graph that takes on the diagnostics' outputs at their lengths). */
  build: Omit<GraphBuildRequest, 'seqLen'> | ((seqLen: number) => Omit<GraphBuildRequest, 'seqLen'>),
  device: DeviceChoice,
  signal: AbortSignal,
  onLoadProgress?: (message: string) => void,
  kvCalibration?: { tokens: Int32Array; rope: RopeConfig },
): (seqLen: number) => Promise<NllEngine> {
  const port = enginePortOf(model);
  return async (seqLen) => {
    const base = typeof build === 'function' ? build(seqLen) : build;
    const fullBuild: GraphBuildRequest = kvCalibration
      ? await withKvCalibration(model, { ...base, seqLen }, { ...kvCalibration, device, signal })
      : { ...base, seqLen };
    return port.open(fullBuild, {
      device,
      signal,
      // Left in the worker's LRU: the diagnostics' short run opens the same graph right after.
      keepOnDispose: true,
      onProgress: (p) => onLoadProgress?.(`${p.stage}${p.message ? `: ${p.message}` : ''}`),
      onDevice: reportDevice,
    });
  };
}

/** The engine port of `model` over the page's engine worker: every hook opens its engines here. */
export function enginePortOf(model: ModelInfo): EnginePort {
  return createEnginePort(getEngineClient(), {
    modelId: model.id,
    headDim: model.spec?.headDim ?? model.rope.headDim,
    sourceOf: (b) => modelSourceOf(model, b),
  });
}
