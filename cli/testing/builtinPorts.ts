// Test-only: the browser engine port over an in-process engine worker (onnxruntime-node behind the
// page's handler, the built-in folder read by HTTP ranges from public/), as the parity tests use it
// against the Node port.
import { join } from 'node:path';
import { createUrlGraphBuilder } from '../../workers/engine/buildGraph';
import { createEngineClient, type EngineClient } from '../../workers/engine/client';
import { createScenarioPort, type ScenarioPortDefaults } from '../../workers/engine/scenarioPort';
import { diskFetch } from '../../workers/engine/testing/diskFetch';
import { createInProcessWorker } from '../../workers/engine/testing/inProcessWorker';
import { createOrtNodeRuntime } from '../../workers/runtime/ort-node';
import type { ScenarioModel } from '../scenario/model';
import { REPO } from './spawnCli';

/** An engine client whose worker is the page's handler in this process, serving public/. */
export function inProcessEngineClient(threads: number): EngineClient {
  return createEngineClient(() =>
    createInProcessWorker(createOrtNodeRuntime({ intraOpNumThreads: threads }), createUrlGraphBuilder(diskFetch(join(REPO, 'public')))),
  );
}

/** The browser port (workers/engine/scenarioPort) of the built-in model over `client`. */
export function builtinBrowserPort(client: EngineClient, model: Pick<ScenarioModel, 'spec' | 'trainedWindow'>, options: ScenarioPortDefaults) {
  return createScenarioPort(
    client,
    {
      modelId: 'builtin:bandscope-byte-4m',
      spec: model.spec,
      headDim: model.spec.headDim,
      trainedWindowTokens: model.trainedWindow.windowTokens,
      sourceOf: (build) => ({ kind: 'hf-url', baseUrl: '/models/bandscope-byte-4m/', build }),
    },
    options,
  );
}
