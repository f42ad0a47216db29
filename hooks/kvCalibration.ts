'use client';
/** Per-channel KV calibration for the dashboard's engine openers (workers/engine/kvCalibrationBuild.ts over the page's engine client). */
import type { RopeConfig } from '@/lib/rope/types';
import type { DeviceChoice } from '@/lib/settings/settings';
import type { GraphBuildRequest } from '@/workers/engine/protocol';
import { withKvCalibration as calibrate } from '@/workers/engine/kvCalibrationBuild';
import { getEngineClient } from './engineClient';
import { modelSourceOf } from './engineNll';
import type { ModelInfo } from './useModelInfo';

export interface KvCalibrationInputs {
  /** The evaluated text (dev text for the search); its first S = L tokens calibrate. */
  tokens: Int32Array;
  rope: RopeConfig;
  device: DeviceChoice;
  signal: AbortSignal;
}

/** `build` with calibrated `kvChannelScales` when its KV cache is per-channel; unchanged otherwise. */
export async function withKvCalibration(model: ModelInfo, build: GraphBuildRequest, inputs: KvCalibrationInputs): Promise<GraphBuildRequest> {
  if (!build.kv) return build;
  const spec = model.spec;
  if (!spec) throw new Error(`model '${model.label}' has no readable architecture to calibrate the KV cache on`);
  return calibrate(
    getEngineClient(),
    { modelId: model.id, spec, trainedWindowTokens: model.trainedWindow.windowTokens, sourceOf: (b) => modelSourceOf(model, b) },
    build,
    inputs,
  );
}
