/**
 * The two ends of an engine connection over a MessagePort (a MessageChannel between the page and
 * the engine worker hands one end to the engine worker, the other to the analysis worker):
 * `serveEnginePort` makes the port a client connection of the engine handler, and
 * `messagePortWorker` gives an EngineClient (client.ts) a WorkerLike over the other end. Requests
 * and answers travel worker to worker; their big buffers are transferred, never via the page.
 */
import type { WorkerLike } from './client';
import type { EngineHandler } from './handler';
import type { EngineRequest, EngineResponse } from './protocol';

/** Requests arriving on `port` are answered on it, in their own request-id space (handler.connect). */
export function serveEnginePort(handler: Pick<EngineHandler, 'connect'>, port: MessagePort): void {
  const connection = handler.connect((response, transfer) => port.postMessage(response, transfer));
  // Assigning onmessage also starts the port's queue.
  port.onmessage = (event: MessageEvent<EngineRequest>) => {
    void connection.handle(event.data);
  };
}

/** A WorkerLike over `port` for createEngineClient; `terminate` closes the port (the engine worker lives on). */
export function messagePortWorker(port: MessagePort): WorkerLike {
  return {
    postMessage(message, transfer) {
      if (message.kind === 'connect') throw new Error('an engine connection over a MessagePort cannot hand on another port');
      port.postMessage(message, transfer);
    },
    addEventListener(type: 'message' | 'error', listener: (event: never) => void) {
      if (type === 'message') {
        port.addEventListener('message', (event: MessageEvent<EngineResponse>) => (listener as (e: { data: EngineResponse }) => void)({ data: event.data }));
        port.start();
      } else {
        // A port has no 'error' event; an answer that cannot be deserialized is its closest failure.
        port.addEventListener('messageerror', () =>
          (listener as (e: { message?: string }) => void)({ message: 'an engine answer could not be deserialized on this connection' }),
        );
      }
    },
    terminate() {
      port.close();
    },
  } as WorkerLike;
}
