/**
 * An AnalysisWorkerLike that runs the analysis handler in this process, wired as
 * analysis.worker.ts wires it: answers are structured-cloned like postMessage does, and a
 * 'connect-engine' port becomes the handler's engine client (connection.ts messagePortWorker).
 */
import { createEngineClient } from '../../engine/client';
import { messagePortWorker } from '../../engine/connection';
import type { AnalysisWorkerLike } from '../client';
import { createAnalysisHandler } from '../handler';
import type { AnalysisResponse } from '../protocol';

export function createInProcessAnalysisWorker(): AnalysisWorkerLike & { responses: AnalysisResponse[] } {
  const listeners: Array<(e: { data: AnalysisResponse }) => void> = [];
  const responses: AnalysisResponse[] = [];
  const handler = createAnalysisHandler({
    post: (r) => {
      responses.push(r);
      const data = structuredClone(r);
      queueMicrotask(() => listeners.forEach((l) => l({ data })));
    },
  });
  let engineWorker: ReturnType<typeof messagePortWorker> | null = null;
  return {
    responses,
    postMessage(m) {
      if (m.kind === 'connect-engine') {
        engineWorker = messagePortWorker(m.port);
        const port = engineWorker;
        handler.attachEngine(createEngineClient(() => port));
      } else void handler.handle(structuredClone(m));
    },
    addEventListener: ((type: string, l: (e: { data: AnalysisResponse }) => void) => {
      if (type === 'message') listeners.push(l);
    }) as AnalysisWorkerLike['addEventListener'],
    terminate: () => {
      listeners.length = 0;
      engineWorker?.terminate(); // closes the engine port (an open one keeps Node's event loop alive)
    },
  };
}
