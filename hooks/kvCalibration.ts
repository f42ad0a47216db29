'use client';
/**
 * Per-channel KV in the dashboard: before a quantized graph with a per-channel cache is built,
 * its scales are calibrated by lib/eval's `calibrateKvChannelScales` (the step the CLI's eval runs
 * too) on a worker engine that builds the same model without KV quant, and the scales travel in
 * the build request. Calibrations are memoised by everything that changes them, so the contexts
 * of one curve, or the long and short runs of one search candidate, calibrate once.
 */
import { calibrateKvChannelScales, type KvChannelScales } from '@/lib/eval/kvCalibration';
import { parseKvSpec } from '@/lib/quant/kvSpec';
import type { RopeConfig } from '@/lib/rope/types';
import type { DeviceChoice } from '@/lib/settings/settings';
import { graphBuildKey, type GraphBuildRequest } from '@/workers/engine/protocol';
import { loadWorkerNllEngine } from '@/workers/engine/nllEngine';
import { getEngineClient } from './engineClient';
import { modelSourceOf, sessionKeyOf } from './engineNll';
import type { ModelInfo } from './useModelInfo';

export interface KvCalibrationInputs {
  /** The evaluated text (dev text for the search); its first S tokens calibrate. */
  tokens: Int32Array;
  /** The RoPE (with PI) of the runs being calibrated for. */
  rope: RopeConfig;
  device: DeviceChoice;
  signal: AbortSignal;
}

const MEMO_LIMIT = 32;
const memo = new Map<string, Promise<KvChannelScales>>();

/** `build` with `kvChannelScales` filled in when its KV spec is per-channel; unchanged otherwise. */
export async function withKvCalibration(model: ModelInfo, build: GraphBuildRequest, inputs: KvCalibrationInputs): Promise<GraphBuildRequest> {
  if (!build.kv || build.kvChannelScales) return build;
  const kv = parseKvSpec(build.kv);
  if (kv.granularity !== 'channel') return build;
  const spec = model.spec;
  if (!spec) throw new Error(`model '${model.label}' has no readable architecture to calibrate the KV cache on`);
  const S = model.trainedWindow.windowTokens;
  // The calibration model is the long runs' model without KV quant (same weights, quant, Q-ROAR).
  const calBuild: Omit<GraphBuildRequest, 'seqLen'> = {
    ...(build.quant ? { quant: build.quant, quantLayers: build.quantLayers ?? 'all' } : {}),
    ...(build.quantFormat ? { quantFormat: build.quantFormat } : {}),
    ...(build.qroar ? { qroar: build.qroar } : {}),
  };
  const ropeKey = JSON.stringify(inputs.rope);
  const key = [model.id, build.kv, graphBuildKey({ ...calBuild, seqLen: S }), ropeKey, inputs.tokens.length, tokensDigest(inputs.tokens, S)].join('|');
  let scales = memo.get(key);
  if (!scales) {
    scales = calibrateKvChannelScales({
      kv,
      tokens: inputs.tokens,
      calibrationTokens: S,
      trainedWindowTokens: S,
      rope: inputs.rope,
      dims: spec,
      openEngine: (graph) => {
        const full: GraphBuildRequest = { ...calBuild, ...graph };
        return loadWorkerNllEngine(getEngineClient(), modelSourceOf(model, full), {
          sessionKey: `kvcal|${sessionKeyOf(model, full)}`,
          seqLen: graph.seqLen,
          headDim: spec.headDim,
          device: inputs.device,
          wantTaps: true,
          requestOptions: { signal: inputs.signal },
        });
      },
    });
    memo.set(key, scales);
    scales.catch(() => memo.delete(key)); // a cancelled or failed calibration is retried next time
    if (memo.size > MEMO_LIMIT) memo.delete(memo.keys().next().value as string);
  }
  return { ...build, kvChannelScales: await scales };
}

function tokensDigest(tokens: Int32Array, count: number): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < Math.min(count, tokens.length); i++) h = Math.imul(h ^ tokens[i], 0x01000193) >>> 0;
  return h.toString(16);
}
