/// <reference lib="webworker" />
// Wiring only: messages in → handler; responses out (results are small, posted as copies). The
// page hands over one end of a MessageChannel to the engine worker ('connect-engine'): the jobs'
// engine requests and their taps travel on it, engine worker ↔ here, never through the page.
import { createEngineClient } from '../engine/client';
import { messagePortWorker } from '../engine/connection';
import { setTimelineSink } from '../timeline';
import { createAnalysisHandler } from './handler';
import type { AnalysisTimelineMessage, AnalysisWorkerMessage } from './protocol';

const scope = self as unknown as DedicatedWorkerGlobalScope;
// The jobs' engine loads and runs belong on the page's timeline (the e2e timing spec reads it there).
setTimelineSink((name, elapsedMs) => scope.postMessage({ kind: 'timeline', name, elapsedMs } satisfies AnalysisTimelineMessage));
const handler = createAnalysisHandler({ post: (response) => scope.postMessage(response) });

scope.onmessage = (event: MessageEvent<AnalysisWorkerMessage>) => {
  const message = event.data;
  if (message.kind === 'connect-engine') handler.attachEngine(createEngineClient(() => messagePortWorker(message.port)));
  else void handler.handle(message);
};
