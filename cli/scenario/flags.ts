/**
 * Flag parsers shared by `bandscope diagnose` and `bandscope search` (and the same grammar as
 * `bandscope eval`): every failure is a UsageError prefixed with the command name.
 */
import { parseKvSpec, type KvQuantSpec } from '../../lib/quant/kvSpec';
import type { RtnOptions } from '../../lib/quant/rtn';
import { parseRtnSpec } from '../../lib/quant/rtnSpec';
import { bandsFor, parseBandSpec } from '../../lib/rope/bands';
import { originalWindowTokens } from '../../lib/rope/frequencies';
import { applyInterpolation, type InterpolationChoice } from '../../lib/rope/interpolation';
import type { Band, RopeConfig, RopeType } from '../../lib/rope/types';
import { UsageError } from '../errors';

const PI_METHODS: readonly RopeType[] = ['linear', 'ntk', 'dynamic', 'yarn', 'llama3'];

function why(err: unknown): string {
  return err instanceof Error ? err.message.split('\n')[0] : String(err);
}

/** `none | linear:S | ntk:S | dynamic:S | yarn:S | llama3:S` (S ≥ 1, over the trained window). */
export function parseRopeChoice(command: string, raw: string): InterpolationChoice & { label: string } {
  if (raw === 'none') return { method: 'none', factor: 1, label: 'none' };
  const m = /^([a-z0-9]+):([0-9]*\.?[0-9]+)$/.exec(raw);
  if (!m || !PI_METHODS.includes(m[1] as RopeType)) {
    throw new UsageError(`${command}: --rope '${raw}' is not one of none, ${PI_METHODS.map((x) => `${x}:S`).join(', ')}`);
  }
  const factor = Number(m[2]);
  if (!(factor >= 1)) throw new UsageError(`${command}: --rope factor must be ≥ 1, got ${m[2]}`);
  return { method: m[1] as RopeType, factor, label: `${m[1]}:${factor}` };
}

/** `none | rtn:w4g32a | …` (lib/quant/rtnSpec grammar). */
export function parseQuantChoice(command: string, raw: string): RtnOptions | undefined {
  if (raw === 'none') return undefined;
  try {
    return parseRtnSpec(raw);
  } catch (err) {
    throw new UsageError(`${command}: --quant: ${why(err)}`);
  }
}

/**
 * `none | int8:token:post | int4:token:post:hadamard | …` (lib/quant/kvSpec grammar). Per-channel
 * only where the command calibrates scales (`allowChannel`: eval, diagnose).
 */
export function parseKvChoice(command: string, raw: string, opts: { allowChannel?: boolean } = {}): KvQuantSpec | undefined {
  if (raw === 'none') return undefined;
  let spec: KvQuantSpec;
  try {
    spec = parseKvSpec(raw);
  } catch (err) {
    throw new UsageError(`${command}: --kv: ${why(err)}`);
  }
  if (spec.granularity === 'channel' && !opts.allowChannel) {
    throw new UsageError(
      `${command}: --kv '${raw}': per-channel KV quant (calibrated scales) is offered by 'bandscope eval', 'bandscope diagnose' and the dashboard; ${command} takes per-token, with or without :hadamard`,
    );
  }
  return spec;
}

/** Bands of `rope` from a lib/rope band spec; a bad spec or range is a UsageError. */
export function parseBandsChoice(command: string, raw: string, rope: RopeConfig): Band[] {
  try {
    return bandsFor(parseBandSpec(raw), rope);
  } catch (err) {
    throw new UsageError(`${command}: --bands '${raw}': ${why(err)}`);
  }
}

/** `all` or a comma list of distinct layer indices in 0 … numLayers − 1 (returned ascending). */
export function parseLayerList(command: string, raw: string, numLayers: number): number[] {
  if (raw === 'all') return Array.from({ length: numLayers }, (_, l) => l);
  const parts = raw.split(',').map((s) => s.trim());
  const layers = parts.map((p) => (/^\d+$/.test(p) ? Number(p) : NaN));
  if (layers.some((l) => !(l >= 0 && l < numLayers))) {
    throw new UsageError(`${command}: --layers must be 'all' or layer indices in 0…${numLayers - 1}, got '${raw}'`);
  }
  if (new Set(layers).size !== layers.length) throw new UsageError(`${command}: --layers lists a layer twice: '${raw}'`);
  return layers.sort((a, b) => a - b);
}

/** `--contexts 256,1024`: comma-separated integers ≥ 2 tokens, in the order given. */
export function parseContextList(command: string, raw: string): number[] {
  const out = raw.split(',').map((p) => (/^\d+$/.test(p.trim()) ? Number(p.trim()) : NaN));
  if (out.some((n) => !Number.isSafeInteger(n) || n < 2)) throw new UsageError(`${command}: --contexts must be comma-separated integers ≥ 2, got '${raw}'`);
  return out;
}

/** A positive integer flag value, or `fallback` when absent. `min` defaults to 1. */
export function intFlag(command: string, name: string, raw: string | undefined, fallback: number, min = 1): number {
  if (raw === undefined) return fallback;
  const n = /^\d+$/.test(raw.trim()) ? Number(raw) : NaN;
  if (!Number.isSafeInteger(n) || n < min) throw new UsageError(`${command}: --${name} must be an integer ≥ ${min}, got '${raw}'`);
  return n;
}

/** A finite number flag value ≥ min, or `fallback` when absent. */
export function numberFlag(command: string, name: string, raw: string | undefined, fallback: number, min = 0): number {
  if (raw === undefined) return fallback;
  const n = raw.trim() === '' ? NaN : Number(raw);
  if (!Number.isFinite(n) || n < min) throw new UsageError(`${command}: --${name} must be a number ≥ ${min}, got '${raw}'`);
  return n;
}

/**
 * The interpolated RoPE and the two run lengths both diagnose and search use: the long context L′
 * (--context, default factor × trained window L) and the short one (--short-context, default
 * min(L, L′)), which must stay ≤ L (`shortPurpose` says why in the error) and ≤ L′.
 */
export function resolveRunLengths(
  command: string,
  raw: { context?: string; shortContext?: string },
  modelRope: RopeConfig,
  choice: InterpolationChoice,
  shortPurpose: string,
): { rope: RopeConfig; trainedWindow: number; context: number; shortContext: number } {
  const trainedWindow = originalWindowTokens(modelRope);
  const rope = applyInterpolation(modelRope, choice);
  const context = intFlag(command, 'context', raw.context, Math.round(choice.factor * trainedWindow), 2);
  const shortContext = intFlag(command, 'short-context', raw.shortContext, Math.min(trainedWindow, context), 2);
  if (shortContext > trainedWindow)
    throw new UsageError(`${command}: --short-context ${shortContext} exceeds the trained window ${trainedWindow} (${shortPurpose})`);
  if (shortContext > context) throw new UsageError(`${command}: --short-context ${shortContext} exceeds --context ${context}`);
  return { rope, trainedWindow, context, shortContext };
}
