/**
 * Typed flag parsing over node:util parseArgs, turning its TypeError-style failures into
 * UsageError so they print as one line with exit status 2.
 */
import { totalmem } from 'node:os';
import { parseArgs } from 'node:util';
import { UsageError } from './errors';
import { checkTrainedWindowOverride } from '../lib/model/trainedWindow';
import type { MemoryAvailable } from '../lib/model/budgetCheck';
import type { EngineChoice } from '../lib/model/enginePlan';
import { formatBytes, parseByteSize } from '../lib/format/bytes';
import type { NodeEngineSettings } from './engine/nodeRunner';

export type FlagSpec = Record<string, { type: 'string' | 'boolean'; short?: string; multiple?: boolean }>;

export interface ParsedFlags {
  values: Record<string, string | boolean | string[] | boolean[] | undefined>;
  positionals: string[];
}

/** Strict parse: unknown flags and missing flag values are UsageErrors naming the command. */
export function parseFlags(command: string, argv: string[], options: FlagSpec, allowPositionals = false): ParsedFlags {
  try {
    const { values, positionals } = parseArgs({ args: argv, options, strict: true, allowPositionals });
    return { values: values as ParsedFlags['values'], positionals };
  } catch (err) {
    const msg = err instanceof Error ? err.message.split('\n')[0] : String(err);
    throw new UsageError(`${command}: ${msg}`);
  }
}

/** A string flag's value, or undefined. Throws UsageError when `required` and absent. */
export function stringFlag(command: string, flags: ParsedFlags, name: string, required = false): string | undefined {
  const v = flags.values[name];
  if (v === undefined) {
    if (required) throw new UsageError(`${command}: --${name} is required`);
    return undefined;
  }
  if (typeof v !== 'string') throw new UsageError(`${command}: --${name} takes a value`);
  return v;
}

/** A positive integer flag (tokens, counts). Throws UsageError for anything else. */
export function positiveIntFlag(command: string, flags: ParsedFlags, name: string): number | undefined {
  const raw = stringFlag(command, flags, name);
  if (raw === undefined) return undefined;
  if (!/^\d+$/.test(raw.trim())) throw new UsageError(`${command}: --${name} must be a positive integer, got '${raw}'`);
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n <= 0) throw new UsageError(`${command}: --${name} must be a positive integer, got '${raw}'`);
  return n;
}

/** A positive finite number flag (factors). Throws UsageError for anything else. */
export function positiveNumberFlag(command: string, flags: ParsedFlags, name: string): number | undefined {
  const raw = stringFlag(command, flags, name);
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(n) || n <= 0) throw new UsageError(`${command}: --${name} must be a positive number, got '${raw}'`);
  return n;
}

/** Whether a boolean flag was given. */
export function booleanFlag(flags: ParsedFlags, name: string): boolean {
  return flags.values[name] === true;
}

/** `--trained-window N`: every command takes it (lib/model/trainedWindow). */
export const TRAINED_WINDOW_FLAG: FlagSpec = { 'trained-window': { type: 'string' } };

/** The `--trained-window` override in tokens, or undefined; out-of-range values are a UsageError. */
export function trainedWindowFlag(command: string, flags: ParsedFlags): number | undefined {
  const n = positiveIntFlag(command, flags, 'trained-window');
  if (n === undefined) return undefined;
  try {
    checkTrainedWindowOverride(n);
  } catch (err) {
    throw new UsageError(`${command}: --trained-window: ${err instanceof Error ? err.message : String(err)}`);
  }
  return n;
}

/** `--memory-budget 6G`: eval, diagnose and search refuse a run whose peak (lib/model/runBudget) exceeds it. */
export const MEMORY_BUDGET_FLAG: FlagSpec = { 'memory-budget': { type: 'string' } };
/** Default budget: this share of os.totalmem() — room for the OS and other processes. */
export const DEFAULT_MEMORY_BUDGET_FRACTION = 0.75;

/** The memory a run may use, and why that much: --memory-budget, else 75 % of the machine's RAM. */
export function memoryBudgetFlag(command: string, flags: ParsedFlags, totalMemBytes: number = totalmem()): MemoryAvailable {
  const raw = stringFlag(command, flags, 'memory-budget');
  if (raw === undefined) {
    return {
      budgetBytes: Math.floor(DEFAULT_MEMORY_BUDGET_FRACTION * totalMemBytes),
      reason: `${DEFAULT_MEMORY_BUDGET_FRACTION * 100}% of this machine's ${formatBytes(totalMemBytes)} RAM (os.totalmem(); set --memory-budget to change it)`,
    };
  }
  const budgetBytes = parseByteSize(raw);
  if (budgetBytes === null) throw new UsageError(`${command}: --memory-budget must be a size such as 6G, 512M or 1.5GiB (binary units), got '${raw}'`);
  return { budgetBytes, reason: `--memory-budget ${raw}` };
}

/** `--threads N` and `--device cpu|webgpu|auto` (eval, diagnose, search). */
export const ENGINE_FLAGS: FlagSpec = { threads: { type: 'string' }, device: { type: 'string' } };

/** The engine settings of --threads (default all cores) and --device (default cpu). */
export function engineFlags(command: string, flags: ParsedFlags): NodeEngineSettings {
  const device = stringFlag(command, flags, 'device') ?? 'cpu';
  if (device !== 'cpu' && device !== 'webgpu' && device !== 'auto') throw new UsageError(`${command}: --device must be cpu, webgpu or auto, got '${device}'`);
  const threads = positiveIntFlag(command, flags, 'threads');
  return { device, ...(threads !== undefined ? { threads } : {}) };
}

/** `--engine whole|layered|auto` and `--layer-group N` (eval). */
export const ENGINE_CHOICE_FLAGS: FlagSpec = { engine: { type: 'string' }, 'layer-group': { type: 'string' } };

/** --engine (default auto: the whole graph when it fits the memory budget, else layer-streamed) and --layer-group. */
export function engineChoiceFlags(command: string, flags: ParsedFlags): { engine: EngineChoice; layerGroupSize?: number } {
  const engine = stringFlag(command, flags, 'engine') ?? 'auto';
  if (engine !== 'whole' && engine !== 'layered' && engine !== 'auto')
    throw new UsageError(`${command}: --engine must be whole, layered or auto, got '${engine}'`);
  const layerGroupSize = positiveIntFlag(command, flags, 'layer-group');
  if (layerGroupSize !== undefined && engine === 'whole') throw new UsageError(`${command}: --layer-group applies to the layered engine, not --engine whole`);
  return { engine, ...(layerGroupSize !== undefined ? { layerGroupSize } : {}) };
}
