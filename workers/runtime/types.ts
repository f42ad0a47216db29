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

export interface RuntimeSession {
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  readonly device: DeviceReport;
  /** Runs the graph; every requested output is read back to the CPU as float32. */
  run(feeds: Record<string, FeedTensor>, outputNames?: readonly string[]): Promise<Record<string, FetchedTensor>>;
  release(): Promise<void>;
}

/** A WebGPU adapter's buffer limits, bytes (GPUSupportedLimits). */
export interface GpuBufferLimits {
  maxBufferSize: number;
  maxStorageBufferBindingSize: number;
}

export interface EngineRuntime {
  /** Creates a session from serialized ONNX model bytes on the requested device (with fallback). */
  createSession(modelBytes: Uint8Array, device: DeviceRequest): Promise<RuntimeSession>;
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
