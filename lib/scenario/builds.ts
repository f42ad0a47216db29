/**
 * The typed builds of a scenario: what the engine bakes into a graph (RTN weights, KV-cache fake
 * quant, Q-ROAR band scales) as plain structured-clone records. They cross the worker boundary as
 * they are and key sessions through lib/scenario/key; the spec grammars (lib/quant/rtnSpec,
 * lib/quant/kvSpec) live only at the CLI flag and URL edges, never inside.
 */
import { formatKvSpec, type KvQuantSpec } from '../quant/kvSpec';
import type { RtnOptions } from '../quant/rtn';
import { formatRtnSpec } from '../quant/rtnSpec';
import type { QroarVariant } from '../qroar/transform';
import type { Band } from '../rope/types';
import type { QuantLayers } from './weights';

/** Round-to-nearest weight quantization of the decoder linears (SPEC §3). */
export interface RtnBuild {
  kind: 'rtn';
  /** Bits per weight, integer 2..8. */
  bits: number;
  /** Input columns per group, or 'channel' for one group per row. */
  groupSizeColumns: number | 'channel';
  /** true: abs-max, zero-centred grid; false: min/max grid with an integer zero point. */
  symmetric: boolean;
  /** Which decoder linears: all seven, q,k,v,o, or q,k only. */
  layers: QuantLayers;
}

/**
 * KV-cache fake quant (SPEC §3), lib/quant/kvSpec's fields with the rotation always stated.
 * Assignable to KvQuantSpec (and lib/onnx GraphKvQuant once per-channel scales are added).
 */
export interface KvBuild extends KvQuantSpec {
  hadamard: boolean;
}

/** Q-ROAR band scaling of W_Q/W_K (and biases), applied before RTN (SPEC §5). */
export interface QroarBuild {
  variant: QroarVariant;
  /** The band partition the scales act on (rotary pair ranges, inclusive). */
  bands: Band[];
  /**
   * One global scale g per band [bands], or per layer [layers][bands] (a scales file's per-layer
   * form, `bandscope eval --qroar`); dimensionless, each > 0.
   */
  scales: number[] | number[][];
}

/** The weight and KV quantization of a scenario's quantized variant; FP has neither. */
export interface QuantBuild {
  /** null = float32 weights. */
  quant: RtnBuild | null;
  /** null = float KV cache. */
  kv: KvBuild | null;
}

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

/** The RTN build of a weight choice; null for full-precision weights. */
export function rtnBuildOf(weight: WeightQuantChoice | null): RtnBuild | null {
  if (weight === null) return null;
  return { kind: 'rtn', bits: weight.bits, groupSizeColumns: weight.group, symmetric: weight.symmetric, layers: weight.layers };
}

/** The KV build of a KV choice; null when off or when neither keys nor values are chosen. */
export function kvBuildOf(kv: KvQuantChoice | null): KvBuild | null {
  if (kv === null || (!kv.keys && !kv.values)) return null;
  return {
    bits: kv.bits,
    granularity: kv.grouping,
    keyRope: kv.keyStage,
    target: kv.keys && kv.values ? 'kv' : kv.keys ? 'k' : 'v',
    hadamard: kv.hadamard === true,
  };
}

/** lib/quant/rtn's options of an RTN build (the layers are the assembler's concern). */
export function rtnOptionsOf(build: RtnBuild): RtnOptions {
  return { bits: build.bits, groupSize: build.groupSizeColumns, symmetric: build.symmetric };
}

/** The RTN build of lib/quant/rtn options (e.g. a parsed `--quant` flag) on `layers`. */
export function rtnBuildOfOptions(rtn: RtnOptions, layers: QuantLayers = 'all'): RtnBuild {
  return { kind: 'rtn', bits: rtn.bits, groupSizeColumns: rtn.groupSize, symmetric: rtn.symmetric, layers };
}

/** The KV build of a parsed lib/quant/kvSpec spec (e.g. a `--kv` flag). */
export function kvBuildOfSpec(spec: KvQuantSpec): KvBuild {
  return { ...spec, hadamard: spec.hadamard === true };
}

/** An RTN build as a person reads it in a message, in the CLI's spelling (e.g. 'rtn:w4g32a', 'rtn:w2g32a on qk'); never parsed back. */
export function describeRtnBuild(build: RtnBuild): string {
  const spec = formatRtnSpec(rtnOptionsOf(build));
  return build.layers === 'all' ? spec : `${spec} on ${build.layers}`;
}

/** A KV build as a person reads it in a message, in the CLI's spelling (e.g. 'int8:token:post'); never parsed back. */
export function describeKvBuild(build: KvBuild): string {
  return formatKvSpec(build);
}
