/**
 * The page's engine worker (browser only). Kept apart from client.ts so the analysis worker, which
 * builds an EngineClient over a MessagePort, does not make the bundler emit a second, nested
 * engine worker (and a second copy of ORT) from client.ts's import graph.
 */
import type { WorkerLike } from './client';

export function createEngineWorker(): WorkerLike {
  return new Worker(new URL('./engine.worker.ts', import.meta.url), { type: 'module', name: 'bandscope-engine' }) as unknown as WorkerLike;
}
