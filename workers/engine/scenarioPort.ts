/**
 * The browser implementation of lib/scenario's engine port (`open(build) → NllEngine`) over the
 * engine worker's client: the worker builds every graph from the typed build (one cached session
 * per model, device and build: workers/engine/nllEngine createEnginePort), and a per-channel KV
 * cache is calibrated first (workers/engine/kvCalibrationBuild). Kept out of hooks/ so Node tests
 * drive it over the in-process worker.
 */
import type { NllEngine } from '../../lib/eval/engine';
import type { ModelSpec } from '../../lib/model/spec';
import type { EngineBuild } from '../../lib/scenario/engineBuild';
import type { EnginePortOpenOptions, ScenarioEnginePort } from '../../lib/scenario/enginePort';
import type { DeviceReport, DeviceRequest } from '../runtime/types';
import type { EngineClient } from './client';
import { withKvCalibration } from './kvCalibrationBuild';
import { createEnginePort } from './nllEngine';
import type { GraphBuildRequest, ModelSource } from './protocol';

export interface ScenarioPortModel {
  /** Stable model key (ModelInfo.id): every session key starts from it. */
  modelId: string;
  /** null when the architecture cannot run: only a per-channel KV calibration needs it. */
  spec: ModelSpec | null;
  headDim: number;
  /** Trained window L in force: the KV calibration context. */
  trainedWindowTokens: number;
  /** Where the worker reads the model for a build (served folder or the user's files; adds the memory budget). */
  sourceOf(build: GraphBuildRequest): ModelSource;
}

export interface ScenarioPortDefaults {
  /** The scenario's device setting: every open that does not ask for another backend runs here. */
  device: DeviceRequest;
  /** Called with the device the worker actually used, after any fallback. */
  onDevice?: (device: DeviceReport) => void;
}

export function createScenarioPort(client: EngineClient, model: ScenarioPortModel, defaults: ScenarioPortDefaults): ScenarioEnginePort {
  const port = createEnginePort(client, { modelId: model.modelId, headDim: model.headDim, sourceOf: model.sourceOf });
  return {
    async open(build: EngineBuild, o: EnginePortOpenOptions = {}): Promise<NllEngine> {
      const device = o.device ?? defaults.device;
      let full: GraphBuildRequest = build;
      if (o.kvCalibration && build.kv?.granularity === 'channel' && !build.kvChannelScales) {
        const spec = model.spec;
        if (!spec) throw new Error(`model '${model.modelId}' has no readable architecture to calibrate the KV cache on`);
        full = await withKvCalibration(
          client,
          { modelId: model.modelId, spec, trainedWindowTokens: model.trainedWindowTokens, sourceOf: model.sourceOf },
          build,
          { ...o.kvCalibration, device, ...(o.signal ? { signal: o.signal } : {}) },
        );
      }
      return port.open(full, {
        device,
        ...(o.signal ? { signal: o.signal } : {}),
        ...(o.wantTaps ? { wantTaps: true } : {}),
        ...(o.keepOnDispose ? { keepOnDispose: true } : {}),
        onProgress: (p) => o.onProgress?.(`${p.stage}${p.message ? `: ${p.message}` : ''}`),
        ...(defaults.onDevice ? { onDevice: defaults.onDevice } : {}),
      });
    },
  };
}
