'use client';
/** The page's engine port (lib/scenario/enginePort) over its engine worker: every hook's jobs open their engines here. */
import type { ScenarioEnginePort } from '@/lib/scenario/enginePort';
import type { DeviceChoice } from '@/lib/settings/settings';
import { scenarioPortModelOf } from '@/workers/engine/jobModel';
import { createScenarioPort } from '@/workers/engine/scenarioPort';
import type { ModelInfo } from './useModelInfo';
import { getEngineClient } from './engineClient';
import { reportDevice } from './jobStore';

/** The engine port of `model` on the page's engine worker, running on `device` unless a job asks for the WASM twin. */
export function scenarioPortOf(model: ModelInfo, device: DeviceChoice): ScenarioEnginePort {
  return createScenarioPort(getEngineClient(), scenarioPortModelOf(model), { device, onDevice: reportDevice });
}
