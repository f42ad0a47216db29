/**
 * Messages between the main thread (client.ts) and the engine worker (handler.ts).
 * Discriminated on `kind`; every request carries a `requestId` that its responses echo.
 * Payloads are plain data and typed arrays; the big ones are transferred, never copied.
 */
import type { EngineChoice } from '../../lib/model/enginePlan';
import type { EngineBuild } from '../../lib/scenario/engineBuild';
import type { TokenizerSource } from '../../lib/tokenize/types';
import type { DeviceReport, DeviceRequest, FetchedTensor } from '../runtime/types';

/** Where the worker gets the ONNX model from. */
export type ModelSource =
  /** Ready-made model bytes (transferred). */
  | { kind: 'graph'; graphBytes: Uint8Array }
  /**
   * A Hugging Face folder served over HTTP(S) (e.g. '/models/bandscope-byte-4m/'): the worker
   * reads config.json + model.safetensors by byte ranges and builds the graph itself, so the
   * main thread never does the heavy work. `build` is passed through to the graph builder.
   */
  | { kind: 'hf-url'; baseUrl: string; build: GraphBuildRequest }
  /**
   * The user's own files (structured-cloned File/Blob handles, never their bytes): a HF folder
   * (config.json + model.safetensors or shards + index, optional tokenizer.json) or one .gguf.
   * The worker opens them with lib/model openModel over byteSourceFromBlob (byte ranges only).
   */
  | { kind: 'files'; files: ModelFile[]; build: GraphBuildRequest };

/** One user file: its base name (what openModel matches on) and its Blob/File handle. */
export interface ModelFile {
  name: string;
  blob: Blob;
}

/**
 * What the graph builder bakes into the model: lib/scenario's typed EngineBuild (RTN, KV, Q-ROAR,
 * taps, T) as plain structured-clone data — never a spec string to parse back — plus the memory
 * budget of the request. Its session key is lib/scenario/key engineSessionKey (the budget is not
 * part of the graph, so not of the key).
 */
export interface GraphBuildRequest extends EngineBuild {
  /**
   * Refuse up front, before any tensor is read (lib/model/budgetCheck assertRunFits: bytes needed,
   * bytes available, why), when this build's run peak (lib/model/runBudget) exceeds this; absent = no check.
   */
  memoryBudgetBytes?: number;
  /** Why memoryBudgetBytes is what it is, for the refusal (e.g. '60% of the 8 GB the browser reports'). */
  memoryBudgetReason?: string;
  /**
   * The engine (lib/model/enginePlan EngineChoice; default 'auto': the whole graph when it fits
   * memoryBudgetBytes, else layer-streamed). 'layered' forces layer streaming and needs
   * memoryBudgetBytes (the engine harness uses it). Not part of the session key: both engines give
   * the same numbers, so a caller that must not share a session between them keys it itself.
   */
  engine?: EngineChoice;
  /** Layers per group of a layer-streamed run; absent = the planner's choice. */
  layerGroupSize?: number;
}

export type EngineRequest =
  | {
      kind: 'load-model';
      requestId: number;
      /** Cache key (lib/scenario/key engineSessionKey: model, device, graph). A second load with the same key reuses the session. */
      sessionKey: string;
      source: ModelSource;
      device: DeviceRequest;
      /**
       * Bytes every session of this worker may hold together (an LRU by each session's ONNX bytes);
       * the latest value given wins. Absent: half the build's memoryBudgetBytes when it has one,
       * else the worker's current budget (no limit at first).
       */
      sessionBudgetBytes?: number;
    }
  | {
      kind: 'run';
      requestId: number;
      sessionKey: string;
      /** Token ids [T], T ≥ 2. */
      ids: Int32Array;
      /** RoPE tables [T, headDim] float32 row-major (headDim contiguous), attention factor folded in. */
      cos: Float32Array;
      sin: Float32Array;
      headDim: number;
      /** Also read back every tap output (graph outputs other than 'nll'). */
      wantTaps: boolean;
      /** Run even when the run memo remembers this window (benchmarks time the engine, not the memo). */
      fresh?: boolean;
    }
  /**
   * Text → token ids with the model's tokenizer (lib/tokenize createTokenizer), off the main
   * thread: a HF tokenizer on a few hundred KB of text takes far longer than 100 ms.
   */
  | { kind: 'tokenize'; requestId: number; tokenizer: TokenizerSource; text: string }
  /** Cancels a queued or running request; checked between steps, never mid-kernel. */
  | { kind: 'cancel'; requestId: number; targetRequestId: number }
  /** Releases one session, or every session when sessionKey is omitted. */
  | { kind: 'dispose'; requestId: number; sessionKey?: string };

/**
 * Not a request (no requestId, no answer): hands the worker one end of a MessageChannel, which
 * becomes another client connection with its own request-id space (handler.ts `connect`; the
 * analysis worker's, so taps never cross the main thread). The port goes in the transfer list.
 */
export interface EngineConnectMessage {
  kind: 'connect';
  port: MessagePort;
}

/** Everything the engine worker's own `onmessage` receives (a connected port carries EngineRequests only). */
export type EngineWorkerMessage = EngineRequest | EngineConnectMessage;

export type ProgressStage = 'queued' | 'fetch' | 'build-graph' | 'create-session' | 'run' | 'read-back';

/** Errors cross the boundary as plain data; name 'AbortError' means cancelled. */
export interface WireError {
  name: string;
  message: string;
}

export type EngineResponse =
  | { kind: 'progress'; requestId: number; stage: ProgressStage; fraction?: number; message?: string }
  | {
      kind: 'loaded';
      requestId: number;
      sessionKey: string;
      device: DeviceReport;
      inputNames: string[];
      outputNames: string[];
      /** True when the session came from the cache. */
      cached: boolean;
      elapsedMs: number;
      /** Sessions released to keep every session within the worker's session budget. */
      evicted: string[];
    }
  | {
      kind: 'result';
      requestId: number;
      /** Per-token NLL [T − 1] in nats: −log p(token t+1 | tokens ≤ t). */
      nll: Float32Array;
      /** Tap outputs by graph output name, when asked. */
      taps?: Record<string, FetchedTensor>;
      device: DeviceReport;
      elapsedMs: number;
      /** true: the worker answered from an earlier run of the same session on the same inputs (runMemo.ts); no forward pass ran. */
      reused?: boolean;
    }
  | { kind: 'disposed'; requestId: number }
  /** Token ids of a 'tokenize' request. */
  | { kind: 'tokens'; requestId: number; ids: Int32Array }
  | { kind: 'error'; requestId: number; error: WireError };

/** The typed arrays inside a response whose buffers can be transferred instead of copied. */
export function transferablesOf(response: EngineResponse): ArrayBuffer[] {
  switch (response.kind) {
    case 'result': {
      const buffers = [response.nll.buffer as ArrayBuffer];
      for (const tap of Object.values(response.taps ?? {})) buffers.push(tap.data.buffer as ArrayBuffer);
      return uniqueBuffers(buffers);
    }
    case 'tokens':
      return uniqueBuffers([response.ids.buffer as ArrayBuffer]);
    case 'progress':
    case 'loaded':
    case 'disposed':
    case 'error':
      return [];
    default: {
      const unreachable: never = response;
      throw new Error(`unknown engine response ${JSON.stringify(unreachable)}`);
    }
  }
}

/** The typed arrays inside a request whose buffers can be transferred instead of copied. */
export function requestTransferables(request: EngineRequest): ArrayBuffer[] {
  switch (request.kind) {
    case 'load-model':
      return request.source.kind === 'graph' ? uniqueBuffers([request.source.graphBytes.buffer as ArrayBuffer]) : [];
    case 'run':
      return uniqueBuffers([request.ids.buffer, request.cos.buffer, request.sin.buffer] as ArrayBuffer[]);
    case 'cancel':
    case 'dispose':
    case 'tokenize':
      return [];
    default: {
      const unreachable: never = request;
      throw new Error(`unknown engine request ${JSON.stringify(unreachable)}`);
    }
  }
}

function uniqueBuffers(buffers: ArrayBuffer[]): ArrayBuffer[] {
  // SharedArrayBuffers cannot be transferred; a buffer listed twice is a DataCloneError.
  return [...new Set(buffers)].filter((b) => b instanceof ArrayBuffer);
}

/** An Error as plain data; DOMException-style AbortErrors keep their name. */
export function toWireError(err: unknown): WireError {
  if (err instanceof Error) return { name: err.name, message: err.message };
  return { name: 'Error', message: String(err) };
}
