/**
 * A WorkerLike that runs the engine handler in this process (onnxruntime-node behind it), so
 * client + protocol + handler are tested together in Node. Messages are structured-cloned like
 * postMessage does, and listed buffers are transferred (detached on the sender's side). A
 * 'connect' message's port becomes a second connection of the same handler, as in engine.worker.ts.
 */
import type { EngineRuntime } from '../../runtime/types';
import type { WorkerLike } from '../client';
import type { EngineHandlerDeps } from '../handler';
import { createEngineHandler } from '../handler';
import { serveEnginePort } from '../connection';
import type { EngineRequest, EngineResponse, EngineWorkerMessage } from '../protocol';

export function createInProcessWorker(
  runtime: EngineRuntime,
  buildGraphFromUrl?: EngineHandlerDeps['buildGraphFromUrl'],
): WorkerLike & { sent: EngineRequest[] } {
  const messageListeners: Array<(event: { data: EngineResponse }) => void> = [];
  const sent: EngineRequest[] = [];
  const handler = createEngineHandler({
    runtime,
    buildGraphFromUrl:
      buildGraphFromUrl ??
      (async () => {
        throw new Error('no graph builder in this test');
      }),
    post(response, transfer) {
      const data = structuredClone(response, { transfer });
      queueMicrotask(() => messageListeners.forEach((l) => l({ data })));
    },
  });
  return {
    sent,
    postMessage(message: EngineWorkerMessage, transfer: Transferable[]) {
      // A real MessagePort (Node's MessageChannel): the connection's messages are cloned by the port itself.
      if (message.kind === 'connect') return serveEnginePort(handler, message.port);
      sent.push(message);
      const data = structuredClone(message, { transfer: transfer as ArrayBuffer[] });
      void handler.handle(data);
    },
    addEventListener(type: 'message' | 'error', listener: (event: never) => void) {
      if (type === 'message') messageListeners.push(listener as (event: { data: EngineResponse }) => void);
    },
    terminate() {
      messageListeners.length = 0;
    },
  } as WorkerLike & { sent: EngineRequest[] };
}
