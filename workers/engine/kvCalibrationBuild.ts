/**
 * Main-thread side of per-channel KV for the engine worker: before a graph with a per-channel KV
 * cache is built, lib/eval's `calibrateKvChannelScales` (the same step the CLI runs) calibrates its
 * scales on a worker engine that builds the same model without KV quant, and the scales travel
 * in the build request (GraphBuildRequest.kvChannelScales). Calibrations are memoised by
 * everything that changes them, so the contexts of one curve, or the long and short runs of one
 * search candidate, calibrate once.
 */
import { calibrateKvChannelScales, type KvChannelScales } from '../../lib/eval/kvCalibration';
import type { ModelSpec } from '../../lib/model/spec';
import type { RopeConfig } from '../../lib/rope/types';
import { engineBuildIdentity, engineSessionKey, stableKey } from '../../lib/scenario/key';
import type { DeviceRequest } from '../runtime/types';
import type { EngineClient } from './client';
import { loadWorkerNllEngine } from './nllEngine';
import type { GraphBuildRequest, ModelSource } from './protocol';

export interface KvCalibrationTarget {
  /** Stable model key (ModelInfo.id). */
  modelId: string;
  spec: ModelSpec;
  /** Trained window L in force: the calibration context S (SPEC §3, ≤ L). */
  trainedWindowTokens: number;
  /** Where the worker reads the model for a given build. */
  sourceOf(build: GraphBuildRequest): ModelSource;
}

export interface KvCalibrationRun {
  /** The evaluated text (dev text for the search); its first S tokens calibrate. */
  tokens: Int32Array;
  /** The RoPE (with PI) of the runs being calibrated for. */
  rope: RopeConfig;
  /** S, the calibration context (2 ≤ S ≤ L); default the trained window L. */
  calibrationTokens?: number;
  device: DeviceRequest;
  signal?: AbortSignal;
}

const MEMO_LIMIT = 32;
const memo = new Map<string, Promise<KvChannelScales>>();

/** `build` with `kvChannelScales` filled in when its KV spec is per-channel; the same object otherwise. */
export async function withKvCalibration(
  client: EngineClient,
  target: KvCalibrationTarget,
  build: GraphBuildRequest,
  run: KvCalibrationRun,
): Promise<GraphBuildRequest> {
  const kv = build.kv;
  if (!kv || build.kvChannelScales || kv.granularity !== 'channel') return build;
  const { spec } = target;
  const S = run.calibrationTokens ?? target.trainedWindowTokens;
  // The calibration model is the long runs' model without KV quant (same weights, quant, Q-ROAR).
  const calBuild: Omit<GraphBuildRequest, 'seqLen'> = {
    ...(build.quant ? { quant: build.quant } : {}),
    ...(build.quantFormat ? { quantFormat: build.quantFormat } : {}),
    ...(build.qroar ? { qroar: build.qroar } : {}),
  };
  const key = stableKey({
    model: target.modelId,
    kv,
    calibrationModel: engineBuildIdentity({ ...calBuild, seqLen: S }),
    rope: run.rope,
    tokens: { count: run.tokens.length, digest: tokensDigest(run.tokens, S) },
  });
  let scales = memo.get(key);
  if (!scales) {
    scales = calibrateKvChannelScales({
      kv,
      tokens: run.tokens,
      calibrationTokens: S,
      trainedWindowTokens: target.trainedWindowTokens,
      rope: run.rope,
      dims: spec,
      openEngine: (graph) => {
        const full: GraphBuildRequest = { ...calBuild, ...graph };
        return loadWorkerNllEngine(client, target.sourceOf(full), {
          sessionKey: engineSessionKey(target.modelId, run.device, full),
          seqLen: graph.seqLen,
          headDim: spec.headDim,
          device: run.device,
          wantTaps: true,
          ...(run.signal ? { requestOptions: { signal: run.signal } } : {}),
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
