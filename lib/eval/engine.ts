/**
 * The runtime-agnostic face of a compiled graph (lib/onnx `buildLlamaGraph`): the Node CLI
 * implements it over onnxruntime-node (cli/engine/nodeRunner.ts); in the browser it is implemented
 * over the engine worker's client (workers/engine/scenarioPort, in the analysis worker for the
 * dashboard's jobs; workers/engine/nllEngine.ts for KV calibration and tests). The worker itself does not implement
 * it: it answers workers/engine/protocol.ts messages. lib/eval only ever sees this interface.
 */
export interface NllEngineInput {
  /** Token ids [T] (the graph's seqLen). */
  ids: Int32Array | BigInt64Array;
  /** float32 [T, headDim], half-split, attention factor folded in. */
  cos: Float32Array;
  /** float32 [T, headDim]. */
  sin: Float32Array;
}

export interface NllEngineOutput {
  /** float32 [T − 1], nats: NLL of token t+1 given tokens ≤ t. */
  nll: Float32Array;
  /** float32 [T, vocab] when the graph was built with logits. */
  logits?: Float32Array;
  /** q_pre_L, k_pre_L, q_post_L, k_post_L: float32 [T, heads, headDim]. */
  taps?: Record<string, Float32Array>;
}

export interface NllEngine {
  /** Execution provider actually used, e.g. 'ort-node:cpu', 'ort-web:wasm', 'ort-web:webgpu'. */
  readonly device: string;
  /** T, fixed when the graph was built. */
  readonly seqLen: number;
  run(input: NllEngineInput): Promise<NllEngineOutput>;
  dispose(): Promise<void>;
}

/** What an engine is made from: the graph bytes and its fixed length and output names. */
export interface EngineGraph {
  modelBytes: Uint8Array;
  seqLen: number;
  outputNames: string[];
}

/** Token ids as int64 for ORT's `input_ids`. Output: BigInt64Array[ids.length]. */
export function idsToInt64(ids: Int32Array | BigInt64Array): BigInt64Array {
  if (ids instanceof BigInt64Array) return ids;
  const out = new BigInt64Array(ids.length);
  for (let i = 0; i < ids.length; i++) out[i] = BigInt(ids[i]);
  return out;
}
