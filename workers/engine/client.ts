/**
 * Main-thread side of the engine worker: request ids, promises, progress callbacks, cancel
 * (AbortSignal → 'cancel' message) and dispose. The worker runs requests one at a time, so
 * runs never overlap. Framework-agnostic: hooks/ wraps this for React.
 */
import type { TokenizerSource } from '../../lib/tokenize/types';
import type { DeviceRequest } from '../runtime/types';
import type { EngineRequest, EngineResponse, EngineWorkerMessage, ModelSource, ProgressStage, WireError } from './protocol';
import { requestTransferables } from './protocol';
import { markTimeline } from '../timeline';

/** The slice of the Worker API the client uses (a real Worker, or an in-process stand-in in tests). */
export interface WorkerLike {
  postMessage(message: EngineWorkerMessage, transfer: Transferable[]): void;
  addEventListener(type: 'message', listener: (event: { data: EngineResponse }) => void): void;
  addEventListener(type: 'error', listener: (event: { message?: string }) => void): void;
  terminate(): void;
}

export interface ProgressEvent {
  stage: ProgressStage;
  fraction?: number;
  message?: string;
}

export interface RequestOptions {
  onProgress?: (event: ProgressEvent) => void;
  signal?: AbortSignal;
}

type Loaded = Extract<EngineResponse, { kind: 'loaded' }>;
type Result = Extract<EngineResponse, { kind: 'result' }>;
export type LoadedInfo = Omit<Loaded, 'kind' | 'requestId'>;
export type RunResult = Omit<Result, 'kind' | 'requestId'>;

export interface RunInput {
  sessionKey: string;
  /** Token ids [T]. Transferred: the caller's buffer is detached afterwards. */
  ids: Int32Array;
  /** RoPE tables [T, headDim] float32, headDim contiguous. Transferred. */
  cos: Float32Array;
  sin: Float32Array;
  headDim: number;
  wantTaps?: boolean;
  /** Run even when the worker remembers this window's NLL (benchmarks). */
  fresh?: boolean;
}

export interface EngineClient {
  /** `sessionBudgetBytes`: bytes every session of the worker may hold together (protocol 'load-model'). */
  loadModel(sessionKey: string, source: ModelSource, device: DeviceRequest, options?: RequestOptions & { sessionBudgetBytes?: number }): Promise<LoadedInfo>;
  run(input: RunInput, options?: RequestOptions): Promise<RunResult>;
  /** Token ids of `text` with the model's tokenizer, computed in the worker (queued like runs). */
  tokenize(tokenizer: TokenizerSource, text: string, options?: RequestOptions): Promise<Int32Array>;
  /** Releases one session (or all) in the worker, after everything queued before it. */
  dispose(sessionKey?: string): Promise<void>;
  /**
   * Hands the worker one end of a MessageChannel (transferred): it becomes another client
   * connection of the same engine (one queue, one session cache), with its own request ids;
   * give the other end to connection.ts `messagePortWorker` in the worker that will use it.
   */
  connect(port: MessagePort): void;
  /** Rejects everything pending and kills the worker. */
  terminate(): void;
}

/** Thrown for a cancelled request (name 'AbortError', like fetch). */
export class EngineAbortError extends Error {
  override name = 'AbortError';
}

/** Error raised in the worker, re-created on this side with its original name. */
export class EngineWorkerError extends Error {
  constructor(wire: WireError) {
    super(wire.message);
    this.name = wire.name;
  }
}

interface Pending {
  resolve(response: EngineResponse): void;
  reject(error: Error): void;
  onProgress?: (event: ProgressEvent) => void;
}

/**
 * `createWorker`: the page's engine worker (engineWorker.ts createEngineWorker), a MessagePort
 * connection to it (connection.ts messagePortWorker), or an in-process stand-in in tests.
 */
export function createEngineClient(createWorker: () => WorkerLike): EngineClient {
  const worker = createWorker();
  const pending = new Map<number, Pending>();
  let nextRequestId = 1;
  let terminated = false;

  worker.addEventListener('message', (event) => {
    const response = event.data;
    const entry = pending.get(response.requestId);
    if (!entry) return; // answer to a request we already gave up on
    switch (response.kind) {
      case 'progress':
        entry.onProgress?.({ stage: response.stage, fraction: response.fraction, message: response.message });
        return;
      case 'error':
        pending.delete(response.requestId);
        entry.reject(response.error.name === 'AbortError' ? new EngineAbortError(response.error.message) : new EngineWorkerError(response.error));
        return;
      case 'loaded':
      case 'result':
      case 'disposed':
      case 'tokens':
        pending.delete(response.requestId);
        entry.resolve(response);
        return;
      default: {
        const unreachable: never = response;
        throw new Error(`unknown engine response ${JSON.stringify(unreachable)}`);
      }
    }
  });
  worker.addEventListener('error', (event) => {
    const error = new Error(`engine worker failed: ${event.message ?? 'unknown error (script failed to load?)'}`);
    for (const entry of pending.values()) entry.reject(error);
    pending.clear();
  });

  function request(build: (requestId: number) => EngineRequest, options: RequestOptions = {}): Promise<EngineResponse> {
    if (terminated) return Promise.reject(new Error('engine client was terminated'));
    const requestId = nextRequestId++;
    const message = build(requestId);
    return new Promise<EngineResponse>((resolve, reject) => {
      const { signal } = options;
      if (signal?.aborted) {
        reject(new EngineAbortError(`request ${requestId} aborted before it was sent`));
        return;
      }
      const onAbort = (): void => worker.postMessage({ kind: 'cancel', requestId: nextRequestId++, targetRequestId: requestId }, []);
      signal?.addEventListener('abort', onAbort, { once: true });
      pending.set(requestId, {
        resolve: (response) => {
          signal?.removeEventListener('abort', onAbort);
          resolve(response);
        },
        reject: (error) => {
          signal?.removeEventListener('abort', onAbort);
          reject(error);
        },
        onProgress: options.onProgress,
      });
      worker.postMessage(message, requestTransferables(message));
    });
  }

  return {
    async loadModel(sessionKey, source, device, options) {
      const budget = options?.sessionBudgetBytes;
      const response = await request(
        (requestId) => ({ kind: 'load-model', requestId, sessionKey, source, device, ...(budget !== undefined ? { sessionBudgetBytes: budget } : {}) }),
        options,
      );
      if (response.kind !== 'loaded') throw new Error(`load-model answered with '${response.kind}'`);
      const { kind: _kind, requestId: _id, ...info } = response;
      if (!info.cached) markTimeline(`engine load ${sessionKey}`, info.elapsedMs);
      return info;
    },
    async run(input, options) {
      // Read before the request: the ids buffer is transferred to the worker.
      const tokenCount = input.ids.length;
      const response = await request(
        (requestId) => ({
          kind: 'run',
          requestId,
          sessionKey: input.sessionKey,
          ids: input.ids,
          cos: input.cos,
          sin: input.sin,
          headDim: input.headDim,
          wantTaps: input.wantTaps ?? false,
          ...(input.fresh ? { fresh: true } : {}),
        }),
        options,
      );
      if (response.kind !== 'result') throw new Error(`run answered with '${response.kind}'`);
      const { kind: _kind, requestId: _id, ...result } = response;
      markTimeline(`engine run T=${tokenCount}${input.wantTaps ? ' taps' : ''}${result.reused ? ' reused' : ''} ${input.sessionKey}`, result.elapsedMs);
      return result;
    },
    async tokenize(tokenizer, text, options) {
      const response = await request((requestId) => ({ kind: 'tokenize', requestId, tokenizer, text }), options);
      if (response.kind !== 'tokens') throw new Error(`tokenize answered with '${response.kind}'`);
      return response.ids;
    },
    async dispose(sessionKey) {
      await request((requestId) => ({ kind: 'dispose', requestId, ...(sessionKey === undefined ? {} : { sessionKey }) }));
    },
    connect(port) {
      if (terminated) throw new Error('engine client was terminated');
      worker.postMessage({ kind: 'connect', port }, [port]);
    },
    terminate() {
      terminated = true;
      worker.terminate();
      const error = new EngineAbortError('engine client terminated');
      for (const entry of pending.values()) entry.reject(error);
      pending.clear();
    },
  };
}
