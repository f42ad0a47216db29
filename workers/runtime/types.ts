/**
 * The runtime seam: what workers/engine needs from an ONNX Runtime, without importing one.
 * workers/runtime/ort.ts (onnxruntime-web, browser) and workers/runtime/ort-node.ts
 * (onnxruntime-node, tests/bench/CLI) implement it, so the engine handler unit-tests in Node.
 */

/** What the caller asks for. 'auto' = WebGPU when an adapter exists, else WASM. */
export type DeviceRequest = 'auto' | 'webgpu' | 'wasm';

/** What actually ran after any fallback. 'cpu' only for onnxruntime-node's native CPU EP. */
export type DeviceUsed = 'webgpu' | 'wasm' | 'cpu';

export interface AdapterInfo {
  vendor: string;
  architecture: string;
  isFallbackAdapter: boolean;
}

/** Reported with every session: the device used, and why it differs from the request if it does. */
export interface DeviceReport {
  requested: DeviceRequest;
  used: DeviceUsed;
  adapterInfo?: AdapterInfo;
  /**
   * Intra-op threads of the CPU/WASM EP: in the browser min(hardwareConcurrency, 8) under
   * cross-origin isolation, else 1; in Node the count asked for (0 = onnxruntime's default, all cores).
   */
  threads: number;
  fallbackReason?: string;
  /** Layer-streamed sessions only: how the latest run handed activations between its sessions. */
  handOff?: HandOffReport;
  /**
   * Set by a WebGPU session that could not take a device-resident feed (the ORT error): from then
   * on it downloads such feeds and uploads them again.
   */
  deviceFeedRefused?: string;
}

/**
 * The hand-offs of a layer-streamed run (workers/engine/layeredSession.ts): the hidden state from
 * each layer group to the next and from the last group to the head session.
 */
export interface HandOffReport {
  /** Hand-offs in the latest run (number of layer groups: each group's hidden_out goes to the next session). */
  count: number;
  /** Of them, how many stayed in GPU memory from producer to consumer (WebGPU). */
  onDevice: number;
  /**
   * How many were computed on the GPU but read back to JS memory and uploaded again (a session that
   * refused a device-resident feed, or an output ORT returned on the CPU). 0 on WASM/CPU, where
   * every tensor is in CPU memory anyway.
   */
  downloads: number;
  /**
   * Why a hand-off of this run left (or never reached) the GPU while its consumer ran on WebGPU:
   * the run's first reason, said once, not per hand-off.
   */
  reason?: string;
}

/**
 * An input tensor as plain data, row-major (last dim contiguous): int64 ids, float32 tables and
 * weights, float16 weights, uint8 MatMulNBits codes (the layer-streamed engine feeds its weights). A typed-array
 * view (non-zero byteOffset) is fed as the view.
 */
export type FeedTensor =
  | { type: 'int64'; data: BigInt64Array; dims: number[] }
  | { type: 'float32'; data: Float32Array; dims: number[] }
  /** IEEE binary16 bit patterns (float16 weights of the layer-streamed engine). */
  | { type: 'float16'; data: Uint16Array; dims: number[] }
  | { type: 'uint8'; data: Uint8Array; dims: number[] };

/** An output tensor copied out of the runtime (float32 only: nll and taps), row-major. */
export interface FetchedTensor {
  data: Float32Array;
  dims: number[];
}

/**
 * An opaque handle to a float32 output left where the runtime computed it: a GPU buffer on WebGPU,
 * a CPU copy on WASM and onnxruntime-node (same interface, so callers have one path). Its values
 * cannot be read here; it is fed to another session of the same runtime (`runKeeping`), which takes
 * it without a download when both are on the GPU. Whoever receives one disposes it exactly once,
 * after the run that consumes it (workers/runtime/deviceTensor.ts makes them).
 */
export interface DeviceTensor {
  readonly kind: 'device-tensor';
  readonly dims: readonly number[];
  /** 'gpu-buffer' while the values are in GPU memory; 'cpu' for values in JS memory. */
  readonly location: 'gpu-buffer' | 'cpu';
  /** True once values computed on the GPU were read back to JS memory (by the producer or a consumer). */
  readonly downloaded: boolean;
  readonly disposed: boolean;
  /** Frees the GPU buffer (or drops the copy). A second call does nothing. */
  dispose(): void;
}

/** A feed of `runKeeping`: plain data, or another session's output kept on the device. */
export type RunFeed = FeedTensor | DeviceTensor;

export interface RunOptions {
  /**
   * Outputs (among the run's output names) to keep where they were computed, returned in `kept` as
   * DeviceTensor handles instead of downloaded. On WebGPU only outputs named in the session's
   * `deviceOutputs` can stay in GPU memory; others come back as CPU handles (`downloaded`).
   */
  keepOnDevice?: readonly string[];
  /** Called between the steps of a multi-step run (layer groups); throws to stop it (a cancel). */
  throwIfCancelled?: () => void;
}

export interface KeptRunResult {
  fetched: Record<string, FetchedTensor>;
  kept: Record<string, DeviceTensor>;
}

export interface RuntimeSession {
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  readonly device: DeviceReport;
  /** Runs the graph; every requested output is read back to the CPU as float32. */
  run(
    feeds: Record<string, FeedTensor>,
    outputNames?: readonly string[],
    options?: Pick<RunOptions, 'throwIfCancelled'>,
  ): Promise<Record<string, FetchedTensor>>;
  /**
   * The opt-in device path: feeds may be DeviceTensor handles of this runtime's sessions; outputs
   * in `options.keepOnDevice` come back in `kept`, the other `outputNames` in `fetched`. The feeds'
   * handles stay the caller's to dispose. Absent on a session that has no such path: use
   * workers/runtime/deviceTensor.ts `runKeeping`, which then goes through `run` with CPU handles.
   */
  runKeeping?(feeds: Record<string, RunFeed>, outputNames: readonly string[], options?: RunOptions): Promise<KeptRunResult>;
  release(): Promise<void>;
}

export interface SessionOptions {
  /**
   * Outputs a caller may keep on the device (`RunOptions.keepOnDevice`): on WebGPU they are bound
   * to GPU buffers (onnxruntime-web `preferredOutputLocation` 'gpu-buffer', a session-creation
   * setting) and downloaded only when a run fetches them.
   */
  deviceOutputs?: readonly string[];
}

/** A WebGPU adapter's buffer limits, bytes (GPUSupportedLimits). */
export interface GpuBufferLimits {
  maxBufferSize: number;
  maxStorageBufferBindingSize: number;
}

export interface EngineRuntime {
  /** Creates a session from serialized ONNX model bytes on the requested device (with fallback). */
  createSession(modelBytes: Uint8Array, device: DeviceRequest, options?: SessionOptions): Promise<RuntimeSession>;
  /**
   * The WebGPU adapter's buffer limits when a session on `device` would run on WebGPU; null when it
   * would not (WASM/CPU). Asked before a graph is built, so a too-large buffer is refused up front.
   */
  gpuLimits?(device: DeviceRequest): Promise<GpuBufferLimits | null>;
  /**
   * Where a session on `device` would run and whether that WebGPU adapter has 'shader-f16'
   * (lib/model/enginePlan EngineDeviceFacts), asked before a graph is built; absent = unknown (float32).
   */
  deviceFacts?(device: DeviceRequest): Promise<{ ep: 'webgpu' | 'wasm' | 'cpu'; shaderF16: boolean }>;
}
