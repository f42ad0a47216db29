'use client';
/** The page's engine port (lib/scenario/enginePort) over its engine worker: every hook's jobs open their engines here. */
import type { ScenarioEnginePort } from '@/lib/scenario/enginePort';
import type { DeviceChoice } from '@/lib/settings/settings';
import type { GraphBuildRequest, ModelSource } from '@/workers/engine/protocol';
import { createScenarioPort } from '@/workers/engine/scenarioPort';
import type { ModelInfo } from './useModelInfo';
import { getEngineClient } from './engineClient';
import { reportDevice } from './jobStore';

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

/** The engine port of `model` on the page's engine worker, running on `device` unless a job asks for the WASM twin. */
export function scenarioPortOf(model: ModelInfo, device: DeviceChoice): ScenarioEnginePort {
  return createScenarioPort(
    getEngineClient(),
    {
      modelId: model.id,
      spec: model.spec,
      headDim: model.spec?.headDim ?? model.rope.headDim,
      trainedWindowTokens: model.trainedWindow.windowTokens,
      sourceOf: (b) => modelSourceOf(model, b),
    },
    { device, onDevice: reportDevice },
  );
}
