/// <reference lib="webworker" />
// Wiring only: messages in → handler; handler responses out, big buffers transferred.
import { createOrtWebRuntime } from '../runtime/ort';
import { buildGraphFromFiles, createUrlGraphBuilder } from './buildGraph';
import { createEngineHandler } from './handler';
import type { EngineRequest } from './protocol';

const scope = self as unknown as DedicatedWorkerGlobalScope;

const handler = createEngineHandler({
  runtime: createOrtWebRuntime(),
  buildGraphFromUrl: createUrlGraphBuilder((url, init) => fetch(url, init)),
  buildGraphFromFiles,
  post: (response, transfer) => scope.postMessage(response, transfer),
});

scope.onmessage = (event: MessageEvent<EngineRequest>) => {
  void handler.handle(event.data);
};
