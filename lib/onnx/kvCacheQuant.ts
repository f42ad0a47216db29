/**
 * The KV-cache subgraph of lib/onnx/llamaGraph.ts (SPEC §3): symmetric fake quant of one layer's
 * keys or values, optionally in a per-head Walsh–Hadamard-rotated basis, with an optional count of
 * the elements that saturate against per-channel scales calibrated on a short context.
 *
 * Rotation. llama.cpp rotates q and k (and v, un-rotating the attention output) per head before
 * a quantized cache. We build the algebraically identical form k̂ = Q(k·H)·H, v̂ = Q(v·H)·H with
 * H the normalized symmetric Hadamard matrix (H·H = I): (q·H)·Q(k·H)ᵀ = q·(Q(k·H)·H)ᵀ, and
 * softmax·Q(v·H) un-rotated by H is softmax·(Q(v·H)·H). So the cached k/v the graph exposes
 * (k_kv_L, v_kv_L) stay in the model's own basis, and every band view that splits q·k over RoPE
 * pairs reads them unchanged; only the quantization error differs.
 * Where the rotation sits: with post-RoPE keys (llama.cpp's cache) k is rotated after RoPE; with
 * pre-RoPE keys rotation, quantization and un-rotation all happen before RoPE, because RoPE acts
 * on the unrotated pairs (a pre-RoPE cache un-rotates before applying RoPE at read time).
 */
import type { KvQuantSpec } from '../quant/kvSpec';
import { normalizedHadamard } from '../quant/hadamard';
import type { GraphBuilder } from './graphBuilder';

/**
 * KV-cache fake quant as lib/quant/kvcache.ts defines it: symmetric, q = clamp(round-half-even(x/s),
 * ±qmax), x̂ = q·s. 'token': s = max|x|/qmax per (token, head) over headDim, computed in-graph.
 * 'channel': s per (head, channel) from `channelScales` (calibrated on a short context; with
 * `hadamard`, channels of the rotated basis).
 */
export interface GraphKvQuant extends KvQuantSpec {
  /** Per layer, float32 [numKvHeads, headDim] (calibrateKvPerChannel); required for 'channel'. */
  channelScales?: { k?: Float32Array[]; v?: Float32Array[] };
  /**
   * Rotate and un-rotate without rounding (only with `hadamard`): the full-precision control that
   * shows the rotation alone leaves the model's outputs unchanged.
   */
  rotationOnly?: boolean;
}

export interface KvCacheQuant {
  /** x float32 [T, numKvHeads, headDim] → the cached tensor attention reads, same shape. */
  apply(x: string, which: 'k' | 'v', layer: number): string;
  /**
   * Name of the float32 [T] tensor counting saturated elements per token position (summed over
   * every quantized layer, head, channel and cache), or null. Per position because a causal run's
   * position p depends only on tokens ≤ p: the count of a T-prefix is the sum of its first T entries.
   */
  clippedTotal(): string | null;
}

/** Zero calibrated scale (a channel never nonzero in calibration): divide by this, so any nonzero long-context value saturates and is counted, then dequantizes to 0·s = 0. */
const ZERO_SCALE_DIVISOR = 1e-30;

/** What a per-channel quantizer divides by: the calibrated scales, a zero scale replaced by ZERO_SCALE_DIVISOR. Same shape. */
export function channelScaleDivisor(scales: Float32Array): Float32Array {
  return scales.map((v) => (v === 0 ? ZERO_SCALE_DIVISOR : v));
}

export function createKvCacheQuant(
  g: GraphBuilder,
  kv: GraphKvQuant | undefined,
  dims: { numKvHeads: number; headDim: number },
  countClipped: boolean,
  /**
   * Per-channel only: where layer `layer`'s scale and divisor tensors [numKvHeads, headDim] come
   * from (graph inputs in the layer-group graph; the caller feeds `channelScaleDivisor(scales)`).
   * Absent: initializers from `kv.channelScales`.
   */
  channelTensors?: (which: 'k' | 'v', layer: number) => { scale: string; divisor: string },
): KvCacheQuant {
  const { numKvHeads, headDim } = dims;
  if (kv && kv.bits !== 4 && kv.bits !== 8) throw new Error(`kvQuant bits must be 4 or 8, got ${kv.bits}`);
  if (kv?.rotationOnly && !kv.hadamard) throw new Error('kvQuant rotationOnly needs hadamard');
  const qmax = kv ? 2 ** (kv.bits - 1) - 1 : 0;
  const hadamard = kv?.hadamard ? g.f32('kv.hadamard', normalizedHadamard(headDim), [headDim, headDim]) : null;
  const clipped: string[] = [];

  const quantize = (x: string, which: 'k' | 'v', layer: number): string => {
    let scale: string;
    let divisor: string;
    if (kv!.granularity === 'token') {
      const absMax = g.op('ReduceMax', [g.op('Abs', [x])], { axes: { kind: 'ints', value: [-1] }, keepdims: { kind: 'int', value: 1 } });
      scale = g.op('Div', [absMax, g.scalar(qmax)]);
      // An all-zero group divides by 1 instead of 0 and still dequantizes to 0·s = 0.
      divisor = g.op('Where', [g.op('Equal', [scale, g.scalar(0)]), g.scalar(1), scale]);
    } else if (channelTensors) {
      ({ scale, divisor } = channelTensors(which, layer));
    } else {
      const given = kv!.channelScales?.[which]?.[layer];
      if (!given || given.length !== numKvHeads * headDim) {
        throw new Error(`kvQuant channel: ${which} scales of layer ${layer} need [${numKvHeads}, ${headDim}], got ${given ? given.length : 'none'}`);
      }
      scale = g.f32(`kv.${which}_scale.${layer}`, given, [numKvHeads, headDim]);
      divisor = g.f32(`kv.${which}_divisor.${layer}`, channelScaleDivisor(given), [numKvHeads, headDim]);
    }
    const rounded = g.op('Round', [g.op('Div', [x, divisor])]);
    if (countClipped && kv!.granularity === 'channel') {
      const over = g.op('Cast', [g.op('Greater', [g.op('Abs', [rounded]), g.scalar(qmax)])], { to: { kind: 'int', value: 1 } });
      // [T, numKvHeads, headDim] → [T]: heads and channels summed, the token axis kept.
      clipped.push(g.op('ReduceSum', [over, g.i64([1, 2])], { keepdims: { kind: 'int', value: 0 } }));
    }
    const codes = g.op('Clip', [rounded, g.scalar(-qmax), g.scalar(qmax)]);
    return g.op('Mul', [codes, scale]);
  };

  return {
    apply(x, which, layer) {
      if (!kv || (kv.target !== 'kv' && kv.target !== which)) return x;
      if (!hadamard) return quantize(x, which, layer);
      const rotated = g.op('MatMul', [x, hadamard]);
      return g.op('MatMul', [kv.rotationOnly ? rotated : quantize(rotated, which, layer), hadamard]);
    },
    clippedTotal() {
      if (clipped.length === 0) return null;
      return clipped.reduce((acc, c) => g.op('Add', [acc, c]));
    },
  };
}
