/**
 * Dashboard settings: one plain record that names a whole scenario (SPEC §2–§5). It is the
 * key of every cached worker job and round-trips through the URL (codec.ts), so a reload or a
 * shared link restores the same view.
 */
import { formatRtnSpec } from '../quant/rtnSpec';
import type { ScoreMode } from '../eval/scoring';
import type { BandPartitionSpec, RopeType } from '../rope/types';

/** Which model to load. User files cannot live in a URL; only their name is recorded. */
export type ModelChoice = { kind: 'builtin' } | { kind: 'hf-folder'; name: string } | { kind: 'gguf'; name: string };

/** PI method and its parameters (HF semantics, SPEC §2). */
export interface PiSettings {
  method: RopeType;
  /** Scaling factor s (dimensionless); the target window is s × trained window by default. */
  factor: number;
  betaFast: number;
  betaSlow: number;
  lowFreqFactor: number;
  highFreqFactor: number;
}

export type GroupSize = 32 | 64 | 128 | 256 | 'channel';
export type QuantLayers = 'all' | 'attention' | 'qk';

/** Weight RTN (SPEC §3). */
export interface WeightQuantSettings {
  bits: number;
  group: GroupSize;
  symmetric: boolean;
  layers: QuantLayers;
}

/** Optional KV-cache quantization (SPEC §3), calibrated on a short context. */
export interface KvQuantSettings {
  bits: 4 | 8;
  keys: boolean;
  values: boolean;
  grouping: 'token' | 'channel';
  /** Whether keys are quantized before or after RoPE. */
  keyStage: 'pre' | 'post';
  /** Rotate k/v per head by the normalized Walsh–Hadamard matrix before quantizing (lib/onnx/kvCacheQuant.ts). */
  hadamard: boolean;
}

/** Perplexity chart y-axis: log when the curves span more than a factor (lib/charts/axisScale.ts), or forced. */
export type PplAxisChoice = 'auto' | 'linear' | 'log';

export type QroarVariant = 'symmetric' | 'shared' | 'query-only';
export type TextChoice = 'brown' | 'user';
export type DeviceChoice = 'auto' | 'webgpu' | 'wasm';

export interface Settings {
  model: ModelChoice;
  pi: PiSettings;
  /** Longest evaluated context L' in tokens. */
  targetContextTokens: number;
  /** null = full-precision weights. */
  weightQuant: WeightQuantSettings | null;
  /** null = KV cache kept in float (the default). */
  kvQuant: KvQuantSettings | null;
  bands: BandPartitionSpec;
  text: TextChoice;
  device: DeviceChoice;
  /** PI methods overlaid on the perplexity-vs-context chart (the main method is always shown). */
  compareMethods: RopeType[];
  qroarVariant: QroarVariant;
  /** Applied Q-ROAR scales g per band (dimensionless), or null when none are applied. */
  appliedScales: number[] | null;
  /** Tail quantile p for TIR (SPEC §4). */
  tirQuantile: number;
  /**
   * Trained window L in tokens, overriding the one the model's files state (lib/model/trainedWindow);
   * null = the model's own. Every PI factor and every L marker reads the value in force.
   */
  trainedWindowTokens: number | null;
  /** How perplexity windows are scored (lib/eval/scoring.ts). */
  scoreMode: ScoreMode;
  /** Perplexity chart y-axis scale. */
  pplAxis: PplAxisChoice;
}

export const ROPE_TYPES: readonly RopeType[] = ['default', 'linear', 'ntk', 'dynamic', 'yarn', 'llama3', 'longrope'];
export const GROUP_SIZES: readonly GroupSize[] = [32, 64, 128, 256, 'channel'];

/**
 * The scenario the dashboard opens with, chosen by measurement (README, "Why this default"):
 * dynamic NTK ×8 to 2048 with 2-bit RTN (g32, asymmetric, every linear) on the built-in model is
 * where the quantization gap grows with context (+15.6 % at L = 256 → +44 % at 2048) and a Q-ROAR
 * search repairs the quantized model (−8.4 % PPL at 2048) about four times more than the same
 * scales help full precision (−2.1 %). YaRN ×4 with 4-bit weights, the first default, shows a flat
 * sub-1 % gap and a "gain" FP gets just the same.
 */
export const DEFAULT_SCENARIO_WHY =
  'Default: dynamic NTK ×8 to 2048 with 2-bit weights — the setting where, on this model, the quantization gap grows with context and Q-ROAR helps the quantized model about four times more than it helps full precision.';
export function defaultSettings(): Settings {
  return {
    model: { kind: 'builtin' },
    pi: { method: 'dynamic', factor: 8, betaFast: 32, betaSlow: 1, lowFreqFactor: 1, highFreqFactor: 4 },
    targetContextTokens: 2048,
    weightQuant: { bits: 2, group: 32, symmetric: false, layers: 'all' },
    kvQuant: null,
    bands: { kind: 'equal-log', count: 4 },
    text: 'brown',
    device: 'wasm',
    compareMethods: ['yarn'],
    qroarVariant: 'shared',
    appliedScales: null,
    tirQuantile: 0.999,
    trainedWindowTokens: null,
    scoreMode: 'bandscope',
    pplAxis: 'auto',
  };
}

/** Whether `s` is the default scenario on the built-in model (PI, target, quantization), so its reason is shown. */
export function isDefaultScenario(s: Settings): boolean {
  const d = defaultSettings();
  return (
    s.model.kind === 'builtin' &&
    s.pi.method === d.pi.method &&
    s.pi.factor === d.pi.factor &&
    s.targetContextTokens === d.targetContextTokens &&
    s.trainedWindowTokens === null &&
    JSON.stringify(s.weightQuant) === JSON.stringify(d.weightQuant) &&
    s.kvQuant === null
  );
}

/** Weight spec in lib/quant's grammar, e.g. 'rtn:w4g32a' (asym) / 'rtn:w8gchs' (per-channel), or null. */
export function weightQuantSpec(q: WeightQuantSettings | null): string | null {
  if (q === null) return null;
  return formatRtnSpec({ bits: q.bits, groupSize: q.group, symmetric: q.symmetric });
}

/** Human label for a band partition, e.g. 'equal-log:4', 'yarn', 'custom:0-7,8-31'. */
export function bandSpecString(spec: BandPartitionSpec): string {
  switch (spec.kind) {
    case 'equal-log':
      return `equal-log:${spec.count}`;
    case 'yarn':
      return 'yarn';
    case 'custom':
      return `custom:${spec.ranges.map(([a, b]) => `${a}-${b}`).join(',')}`;
    default: {
      const unreachable: never = spec;
      throw new Error(`unknown band spec ${JSON.stringify(unreachable)}`);
    }
  }
}
