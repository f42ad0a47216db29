/**
 * Typed flag parsing over node:util parseArgs, turning its TypeError-style failures into
 * UsageError so they print as one line with exit status 2.
 */
import { parseArgs } from 'node:util';
import { UsageError } from './errors';
import { checkTrainedWindowOverride } from '../lib/model/trainedWindow';

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
