/// <reference lib="webworker" />
// Wiring only: messages in → handler; handler responses out, big buffers transferred.
import { createOrtWebRuntime } from '../runtime/ort';
import { buildGraphFromFiles, createUrlGraphBuilder } from './buildGraph';
import { createEngineHandler } from './handler';
import type { EngineRequest } from './protocol';
import { createTensorCache } from './tensorCache';

const scope = self as unknown as DedicatedWorkerGlobalScope;

// One cache for both sources: the perplexity, diagnostics and Q-ROAR builds of a model share its weights.
const tensorCache = createTensorCache();
const handler = createEngineHandler({
  runtime: createOrtWebRuntime(),
  buildGraphFromUrl: createUrlGraphBuilder((url, init) => fetch(url, init), tensorCache),
  buildGraphFromFiles: (files, build, ctx) => buildGraphFromFiles(files, build, ctx, tensorCache),
  post: (response, transfer) => scope.postMessage(response, transfer),
});

scope.onmessage = (event: MessageEvent<EngineRequest>) => {
  void handler.handle(event.data);
};
