/**
 * Dashboard settings → the quantized variant's typed builds (lib/scenario/builds): RTN weights on
 * the chosen linears and the KV cache. Pure, so the hooks that key worker jobs and the worker
 * read one record.
 */
import { hadamardSizeError } from '../quant/hadamard';
import { kvBuildOf, rtnBuildOf, type KvQuantChoice, type QuantBuild, type WeightQuantChoice } from './builds';

/** The quantized variant's builds; null when neither weights nor KV are quantized. */
export function quantBuildOf(weight: WeightQuantChoice | null, kv: KvQuantChoice | null): QuantBuild | null {
  const quant = rtnBuildOf(weight);
  const kvBuild = kvBuildOf(kv);
  if (quant === null && kvBuild === null) return null;
  return { quant, kv: kvBuild };
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
