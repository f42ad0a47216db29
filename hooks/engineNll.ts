'use client';
/** An lib/eval NllEngine over the engine worker: one cached session per (model, quant, T, taps). */
import type { NllEngine } from '@/lib/eval/engine';
import type { DeviceChoice } from '@/lib/settings/settings';
import type { GraphBuildRequest } from '@/workers/engine/protocol';
import type { ModelInfo } from './useModelInfo';
import { getEngineClient } from './engineClient';
import { reportDevice } from './jobStore';

export function sessionKeyOf(model: ModelInfo, build: GraphBuildRequest): string {
  return `${model.id}|${build.quant ?? 'fp32'}|T${build.seqLen}|taps${(build.tapLayers ?? []).join('.')}|${build.logits ? 'logits' : 'nll'}`;
}

export function engineOpener(
  model: ModelInfo,
  build: Omit<GraphBuildRequest, 'seqLen'>,
  device: DeviceChoice,
  signal: AbortSignal,
  onLoadProgress?: (message: string) => void,
): (seqLen: number) => Promise<NllEngine> {
  const client = getEngineClient();
  return async (seqLen) => {
    if (model.baseUrl === null) throw new Error('local model files are read for their config only; running them needs the engine to read File sources, which is not wired in yet — use the built-in model for runs');
    const fullBuild: GraphBuildRequest = { ...build, seqLen };
    const sessionKey = sessionKeyOf(model, fullBuild);
    const loaded = await client.loadModel(sessionKey, { kind: 'hf-url', baseUrl: model.baseUrl, build: fullBuild }, device, {
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
      async dispose() {},
    };
  };
}
