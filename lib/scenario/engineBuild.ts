/**
 * What one engine graph bakes in: the typed builds of lib/scenario/builds plus the graph's length
 * and outputs. Plain structured-clone data: the engine port's `open(build)` takes it, the engine
 * worker's request carries it unchanged (workers/engine/protocol GraphBuildRequest adds only the
 * memory budget), and lib/scenario/key `engineSessionKey` keys its session.
 */
import type { KvChannelScales } from '../eval/kvCalibration';
import type { KvBuild, QroarBuild, RtnBuild } from './builds';

export interface EngineBuild {
  /** Tokens per run T: the graph's shapes are fixed to it (lib/onnx LlamaGraphOptions.seqLen). */
  seqLen: number;
  /** RTN weight quantization; null/undefined = float32 weights. */
  quant?: RtnBuild | null;
  /**
   * 'fake' (default): dequantized float32 weights; 'nbits': com.microsoft.MatMulNBits codes. With
   * no `quant`, 'nbits' asks for a GGUF's own Q4_0/Q8_0 decoder linears as MatMulNBits (an exact
   * repack, lib/model/storedLinear; other tensor types are dequantized) — the engine worker does
   * this for every full-precision GGUF build anyway.
   */
  quantFormat?: 'fake' | 'nbits';
  /** KV-cache fake quant; null/undefined = float cache. */
  kv?: KvBuild | null;
  /**
   * Per-channel `kv`: the calibrated scales (lib/eval/kvCalibration.ts calibrateKvChannelScales),
   * per layer float32 [numKvHeads, headDim]; required when `kv` is per-channel.
   */
  kvChannelScales?: KvChannelScales | null;
  /** Q-ROAR scales applied to W_Q/W_K before `quant`; null/undefined = none. */
  qroar?: QroarBuild | null;
  /** 'f16': full-precision weights rounded to float16 (the diagnostics' noise floor, lib/scenario/weightsF16); no `quant` with it. Default 'f32'. */
  weightPrecision?: 'f32' | 'f16';
  /** Decoder layer indices whose pre/post-RoPE q/k are exposed as extra outputs. */
  tapLayers?: number[];
  /** Also output v_L [T, numKvHeads, headDim] for every tap layer (a KV calibration run reads them). */
  tapValues?: boolean;
  /** false: no q taps (a KV calibration run needs only k and v). Default true. */
  tapQueries?: boolean;
  /** Also output logits [T, vocab]. */
  logits?: boolean;
  /** With a per-channel `kv`: also output `kv_clipped` [T], the saturated cached elements per token position (lib/onnx LlamaGraphOptions.kvClipCount). */
  kvClipCount?: boolean;
}
