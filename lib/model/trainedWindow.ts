/**
 * The trained window L — the context a model was trained on, over which every PI factor, every
 * "beyond the trained window" marker and the short context of the Q-ROAR guard are measured.
 *
 * Checkpoints say it in several places and often not truly: llama2.c's stories260K GGUF says
 * `context_length` 2048 but was trained at 512; Llama-3.1 says max_position_embeddings 131072
 * over an 8192-token original window. So Bandscope shows every candidate the file states, uses
 * the same precedence as lib/rope (`originalWindowTokens`: an original window when stated, else
 * the maximum position), and lets the user override it.
 */
import { originalWindowTokens } from '../rope/frequencies';
import { ModelFormatError } from './errors';
import type { ModelSpec } from './spec';

/** One place a checkpoint states a window, e.g. `config.json max_position_embeddings = 256`. */
export interface TrainedWindowCandidate {
  /** Where it is written: a config.json key path or a GGUF metadata key. */
  source: string;
  windowTokens: number;
}

export interface TrainedWindow {
  /** L in force: the override when given, else the first stated candidate by precedence. */
  windowTokens: number;
  /** 'override' or the `source` of the candidate in force. */
  source: string;
  /** Every window the files state, in precedence order (highest first). */
  candidates: TrainedWindowCandidate[];
}

/** Override bounds: a window below 8 tokens leaves no band structure to look at; 2^24 is beyond any checkpoint. */
export const TRAINED_WINDOW_MIN_TOKENS = 8;
export const TRAINED_WINDOW_MAX_TOKENS = 1 << 24;

function positiveInteger(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isInteger(v) && v > 0
    ? v
    : typeof v === 'bigint' && v > 0n && v <= BigInt(Number.MAX_SAFE_INTEGER)
      ? Number(v)
      : undefined;
}

function record(v: unknown): Record<string, unknown> | undefined {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
}

/** The windows a config.json (HF) or GGUF metadata states, in lib/rope's precedence order. */
export function statedTrainedWindows(format: 'hf-safetensors' | 'gguf', metadata: Record<string, unknown>): TrainedWindowCandidate[] {
  const out: TrainedWindowCandidate[] = [];
  const add = (source: string, value: unknown): void => {
    const windowTokens = positiveInteger(value);
    if (windowTokens !== undefined) out.push({ source, windowTokens });
  };
  if (format === 'gguf') {
    const arch = metadata['general.architecture'];
    if (typeof arch !== 'string') return out;
    add(`${arch}.rope.scaling.original_context_length`, metadata[`${arch}.rope.scaling.original_context_length`]);
    add(`${arch}.context_length`, metadata[`${arch}.context_length`]);
    return out;
  }
  // transformers 5 names the block rope_parameters, 4.x rope_scaling; inner keys win (lib/rope/parseHf).
  for (const block of ['rope_parameters', 'rope_scaling']) {
    const inner = record(metadata[block]);
    if (inner) add(`config.json ${block}.original_max_position_embeddings`, inner.original_max_position_embeddings);
  }
  add('config.json original_max_position_embeddings', metadata.original_max_position_embeddings);
  add('config.json max_position_embeddings', metadata.max_position_embeddings);
  return out;
}

/** Throws a ModelFormatError unless `windowTokens` is a usable trained-window override. */
export function checkTrainedWindowOverride(windowTokens: number): void {
  if (!Number.isInteger(windowTokens) || windowTokens < TRAINED_WINDOW_MIN_TOKENS || windowTokens > TRAINED_WINDOW_MAX_TOKENS) {
    throw new ModelFormatError(
      `trained window must be an integer from ${TRAINED_WINDOW_MIN_TOKENS} to ${TRAINED_WINDOW_MAX_TOKENS} tokens, got ${windowTokens}`,
    );
  }
}

/**
 * The spec with its trained window set to `windowTokens` (rope.originalMaxPositionEmbeddings,
 * which lib/rope reads as L0 for every PI method). Pure: returns a new spec.
 */
export function withTrainedWindow(spec: ModelSpec, windowTokens: number): ModelSpec {
  checkTrainedWindowOverride(windowTokens);
  return { ...spec, rope: { ...spec.rope, originalMaxPositionEmbeddings: windowTokens } };
}

/**
 * The trained window of an opened model: the stated candidates and the value in force
 * (`overrideTokens` when given). `spec` is the spec before any override; its window is what
 * lib/rope reads, and the source named is the first candidate stating that value.
 */
export function resolveTrainedWindow(
  format: 'hf-safetensors' | 'gguf',
  metadata: Record<string, unknown>,
  spec: ModelSpec,
  overrideTokens?: number,
): TrainedWindow {
  const candidates = statedTrainedWindows(format, metadata);
  if (overrideTokens !== undefined) {
    checkTrainedWindowOverride(overrideTokens);
    return { windowTokens: overrideTokens, source: 'override', candidates };
  }
  const windowTokens = originalWindowTokens(spec.rope);
  const stated = candidates.find((c) => c.windowTokens === windowTokens);
  return { windowTokens, source: stated?.source ?? 'model spec', candidates };
}

/** One line for the page and the CLI, e.g. 'trained window L = 512 (override; file states context_length 2048)'. */
export function describeTrainedWindow(w: TrainedWindow): string {
  const stated = w.candidates.map((c) => `${c.source} = ${c.windowTokens}`).join(', ');
  return w.source === 'override'
    ? `trained window L = ${w.windowTokens} tokens (set by you; the file states ${stated || 'none'})`
    : `trained window L = ${w.windowTokens} tokens (from ${w.source}${
        w.candidates.length > 1
          ? `; also stated: ${w.candidates
              .filter((c) => c.source !== w.source)
              .map((c) => `${c.source} = ${c.windowTokens}`)
              .join(', ')}`
          : ''
      })`;
}
