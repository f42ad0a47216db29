'use client';
/** An lib/eval NllEngine over the engine worker: one cached session per (model, quant, T, taps). */
import type { NllEngine } from '@/lib/eval/engine';
import type { RopeConfig } from '@/lib/rope/types';
import type { DeviceChoice } from '@/lib/settings/settings';
import { graphBuildKey, type GraphBuildRequest, type ModelSource } from '@/workers/engine/protocol';
import type { ModelInfo } from './useModelInfo';
import { getEngineClient } from './engineClient';
import { reportDevice } from './jobStore';
import { withKvCalibration } from './kvCalibration';

/** Session cache key: the model plus every build field that changes the graph (quantLayers, kv, qroar included). */
export function sessionKeyOf(model: ModelInfo, build: GraphBuildRequest): string {
  return `${model.id}|${graphBuildKey(build)}`;
}

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
  const client = getEngineClient();
  return async (seqLen) => {
    const base = typeof build === 'function' ? build(seqLen) : build;
    const fullBuild: GraphBuildRequest = kvCalibration
      ? await withKvCalibration(model, { ...base, seqLen }, { ...kvCalibration, device, signal })
      : { ...base, seqLen };
    const sessionKey = sessionKeyOf(model, fullBuild);
    const loaded = await client.loadModel(sessionKey, modelSourceOf(model, fullBuild), device, {
      signal,
      onProgress: (p) => onLoadProgress?.(`${p.stage}${p.message ? `: ${p.message}` : ''}`),
    });
    reportDevice(loaded.device);
    const headDim = model.spec?.headDim ?? model.rope.headDim;
    return {
      device: loaded.device.used,
      seqLen,
      async run({ ids, cos, sin }) {
        // The client transfers its buffers; hand it copies so the caller's arrays stay usable.
        const r = await client.run({ sessionKey, ids: Int32Array.from(ids as Int32Array), cos: cos.slice(), sin: sin.slice(), headDim }, { signal });
        return { nll: r.nll };
      },
      // The context is done: release the worker's session (its LRU would otherwise hold it until evicted).
      dispose: () => client.dispose(sessionKey),
    };
  };
}
