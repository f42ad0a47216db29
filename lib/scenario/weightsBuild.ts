/**
 * Dashboard settings → the engine's weight/KV build fields (workers/engine GraphBuildRequest):
 * RTN spec, which linears it covers, and the KV grammar of lib/quant/kvSpec. Pure, so the hooks
 * that key worker jobs and the worker agree on one spelling.
 */
import { hadamardSizeError } from '../quant/hadamard';
import { formatKvSpec } from '../quant/kvSpec';
import { formatRtnSpec } from '../quant/rtnSpec';
import type { QuantLayers } from './weights';

/** Structural slice of lib/settings WeightQuantSettings. */
export interface WeightQuantChoice {
  bits: number;
  group: number | 'channel';
  symmetric: boolean;
  layers: QuantLayers;
}

/** Structural slice of lib/settings KvQuantSettings. */
export interface KvQuantChoice {
  bits: 4 | 8;
  keys: boolean;
  values: boolean;
  grouping: 'token' | 'channel';
  keyStage: 'pre' | 'post';
  /** Hadamard-rotated cache; absent = not rotated. */
  hadamard?: boolean;
}

export interface QuantBuild {
  /** e.g. 'rtn:w4g32a'; null = float32 weights. */
  quant: string | null;
  quantLayers: QuantLayers;
  /** e.g. 'int8:token:post', 'int4:channel:post:hadamard'; null = no KV quant. */
  kv: string | null;
}

/** KV grammar string of a KV choice; null when off or when neither keys nor values are chosen. */
export function kvSpecOf(kv: KvQuantChoice | null): string | null {
  if (kv === null || (!kv.keys && !kv.values)) return null;
  return formatKvSpec({
    bits: kv.bits,
    granularity: kv.grouping,
    keyRope: kv.keyStage,
    target: kv.keys && kv.values ? 'kv' : kv.keys ? 'k' : 'v',
    hadamard: kv.hadamard === true,
  });
}

/** The quantized variant's build fields; null when neither weights nor KV are quantized. */
export function quantBuildOf(weight: WeightQuantChoice | null, kv: KvQuantChoice | null): QuantBuild | null {
  const quant = weight ? formatRtnSpec({ bits: weight.bits, groupSize: weight.group, symmetric: weight.symmetric }) : null;
  const kvSpec = kvSpecOf(kv);
  if (quant === null && kvSpec === null) return null;
  return { quant, quantLayers: weight?.layers ?? 'all', kv: kvSpec };
}

/**
 * Why the engine cannot build this quantized variant, or null. Per-channel KV is built (its scales
 * are calibrated first: lib/eval/kvCalibration.ts); a Hadamard-rotated cache needs a power-of-two
 * head dim, checked when `headDim` is known.
 */
export function unsupportedQuantBuild(kv: KvQuantChoice | null, headDim?: number): string | null {
  if (kv && kv.hadamard && (kv.keys || kv.values) && headDim !== undefined) return hadamardSizeError(headDim);
  return null;
}
