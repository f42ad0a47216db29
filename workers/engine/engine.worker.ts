/// <reference lib="webworker" />
// Wiring only: messages in → handler; handler responses out, big buffers transferred.
import { createOrtWebRuntime } from '../runtime/ort';
import { buildGraphFromFiles, createUrlGraphBuilder } from './buildGraph';
import { serveEnginePort } from './connection';
import { createEngineHandler } from './handler';
import type { EngineWorkerMessage } from './protocol';
import { createTensorCache } from './tensorCache';
import { createWeightsMemo } from './weightsMemo';

const scope = self as unknown as DedicatedWorkerGlobalScope;

// One set of caches for both sources: the perplexity, diagnostics and Q-ROAR builds of a model
// share its source tensors, and builds with the same weight options share the assembled weights.
// Whole-graph builds only: a build that runs layer-streamed (hfFolder openModelForRun) bypasses
// both, since a float32 copy of every tensor is the whole model in memory, the very thing the
// layered engine exists to avoid; its layers are read by byte range into its own layer cache.
const caches = { tensorCache: createTensorCache(), weightsMemo: createWeightsMemo() };
const handler = createEngineHandler({
  runtime: createOrtWebRuntime(),
  buildGraphFromUrl: createUrlGraphBuilder((url, init) => fetch(url, init), caches),
  buildGraphFromFiles: (files, build, ctx) => buildGraphFromFiles(files, build, ctx, caches),
  post: (response, transfer) => scope.postMessage(response, transfer),
});

// The page is the first client; a 'connect' message hands over a MessagePort that becomes another
// one (the analysis worker's: its diagnostics runs' taps go to it directly, never via the page).
scope.onmessage = (event: MessageEvent<EngineWorkerMessage>) => {
  const message = event.data;
  if (message.kind === 'connect') serveEnginePort(handler, message.port);
  else void handler.handle(message);
};
