/**
 * Messages between the main thread (client.ts) and the engine worker (handler.ts).
 * Discriminated on `kind`; every request carries a `requestId` that its responses echo.
 * Payloads are plain data and typed arrays; the big ones are transferred, never copied.
 */
import type { KvChannelScales } from '../../lib/eval/kvCalibration';
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

/** Q-ROAR band scaling baked into W_Q/W_K (and biases) before quantization (SPEC §5). */
export interface GraphQroar {
  variant: 'symmetric' | 'shared' | 'query-only';
  /** Inclusive rotary pair ranges [firstPair, lastPair], one per band. */
  bands: Array<[number, number]>;
  /** One global scale per band, each > 0. */
  scales: number[];
}

/** What the graph builder should bake into the model (part of the session cache key). */
export interface GraphBuildRequest {
  /** Tokens per run T: the graph's shapes are fixed to it (lib/onnx LlamaGraphOptions.seqLen). */
  seqLen: number;
  /** Weight quantization spec string, e.g. 'rtn:w4g32a'; null/undefined = float32 weights. */
  quant?: string | null;
  /** 'fake' (default): dequantized float32 weights; 'nbits': com.microsoft.MatMulNBits codes. */
  quantFormat?: 'fake' | 'nbits';
  /** Decoder layer indices whose pre/post-RoPE q/k are exposed as extra outputs. */
  tapLayers?: number[];
  /** Also output logits [T, vocab]. */
  logits?: boolean;
  /** Which decoder linears `quant` applies to: all seven (default); q,k,v,o; or q,k only. */
  quantLayers?: 'all' | 'attention' | 'qk';
  /** KV-cache fake quant, lib/quant/kvSpec grammar (e.g. 'int8:token:post', 'int4:channel:post:hadamard'). */
  kv?: string | null;
  /**
   * Per-channel `kv`: the calibrated scales (lib/eval/kvCalibration.ts calibrateKvChannelScales),
   * per layer float32 [numKvHeads, headDim]; required when `kv` is per-channel.
   */
  kvChannelScales?: KvChannelScales | null;
  /** Also output v_L [T, numKvHeads, headDim] for every tap layer (a KV calibration run reads them). */
  tapValues?: boolean;
  /** false: no q taps (a KV calibration run needs only k and v). Default true. */
  tapQueries?: boolean;
  /** Q-ROAR scales applied to W_Q/W_K before `quant`; null/undefined = none. */
  qroar?: GraphQroar | null;
  /** 'f16': full-precision weights rounded to float16 (the diagnostics' noise floor, lib/scenario/weightsF16); no `quant` with it. Default 'f32'. */
  weightPrecision?: 'f32' | 'f16';
  /**
   * Refuse up front, before any tensor is read (lib/model/budgetCheck assertRunFits: bytes needed,
   * bytes available, why), when this build's run peak (lib/model/runBudget) exceeds this; absent = no check.
   */
  memoryBudgetBytes?: number;
  /** Why memoryBudgetBytes is what it is, for the refusal (e.g. '60% of the 8 GB the browser reports'). */
  memoryBudgetReason?: string;
}

/**
 * Every GraphBuildRequest field that changes the built graph, as a stable string: callers put it
 * in their session keys so two builds differing in any of them never share a session.
 */
export function graphBuildKey(build: GraphBuildRequest): string {
  const q = build.qroar ? `${build.qroar.variant}:${build.qroar.bands.map(([a, b]) => `${a}-${b}`).join(',')}:${build.qroar.scales.join(',')}` : 'none';
  return [
    `T${build.seqLen}`,
    build.quant ?? (build.weightPrecision === 'f16' ? 'fp16' : 'fp32'),
    build.quant ? (build.quantLayers ?? 'all') : '-',
    build.quantFormat ?? 'fake',
    `kv=${build.kv ?? 'none'}`,
    ...(build.kvChannelScales ? [`kvs=${kvScalesDigest(build.kvChannelScales)}`] : []),
    ...(build.tapValues ? ['v'] : []),
    ...(build.tapQueries === false ? ['noq'] : []),
    `qroar=${q}`,
    `taps${(build.tapLayers ?? []).join('.')}`,
    build.logits ? 'logits' : 'nll',
  ].join('|');
}

/** FNV-1a over the scales' float32 bits, hex: two calibrations share a session only when their scales are identical. */
export function kvScalesDigest(scales: KvChannelScales): string {
  let h = 0x811c9dc5;
  const mix = (x: number) => {
    h ^= x;
    h = Math.imul(h, 0x01000193) >>> 0;
  };
  for (const [which, layers] of [
    ['k', scales.k],
    ['v', scales.v],
  ] as const) {
    if (!layers) continue;
    mix(which.charCodeAt(0));
    for (const layer of layers) {
      const bytes = new Uint8Array(layer.buffer, layer.byteOffset, layer.byteLength);
      for (let i = 0; i < bytes.length; i++) mix(bytes[i]);
    }
  }
  return h.toString(16).padStart(8, '0');
}

export type EngineRequest =
  | {
      kind: 'load-model';
      requestId: number;
      /** Cache key: model identity + quant + taps. A second load with the same key reuses the session. */
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
