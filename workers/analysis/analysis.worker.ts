/// <reference lib="webworker" />
// Wiring only: messages in → handler; responses out (results are small, posted as copies).
import { createAnalysisHandler } from './handler';
import type { AnalysisRequest } from './protocol';

const scope = self as unknown as DedicatedWorkerGlobalScope;

const handler = createAnalysisHandler({ post: (response) => scope.postMessage(response) });

scope.onmessage = (event: MessageEvent<AnalysisRequest>) => {
  void handler.handle(event.data);
};
