/**
 * What a chart card shows, and the one wording of each state (issue #10 item 5). Every mapping
 * from a query result, a report section or a job status to a chart goes through these builders,
 * so "not in this report", "waiting for the engine" and the rest read the same on every chart.
 * Pure: no numbers are made here, only laid out by the lib/charts builders or replaced by a state.
 */
import type { ChartOption, ChartTable } from '../charts/types';

/**
 * - idle: nothing to show yet and nothing running for this chart; it waits for the user (e.g. no
 *   search run). Never shown as loading, so a test or a reader can tell "waiting for a click" from
 *   "working".
 * - loading: a job this chart waits for is queued or running.
 * - error: the chart cannot be drawn; the message says why, the hint what to do.
 * - ready: an option and its table, both from computed (or saved) numbers.
 */
export type ChartState =
  | { status: 'idle'; message: string; hint?: string }
  | { status: 'loading'; message: string; fraction?: number }
  | { status: 'error'; message: string; hint?: string }
  | { status: 'ready'; option: ChartOption; table: ChartTable; note?: string };

export type ChartStatus = ChartState['status'];
export type IdleState = Extract<ChartState, { status: 'idle' }>;
export type LoadingState = Extract<ChartState, { status: 'loading' }>;
export type ErrorState = Extract<ChartState, { status: 'error' }>;

/** Progress of one engine or worker job, as the job store keeps it (fraction in [0, 1]). */
export interface JobProgressLike {
  fraction: number;
  message: string;
}

/**
 * The part of a TanStack Query result (or any async result) a mapping reads. Structural, so lib/
 * needs no TanStack import; a `UseQueryResult<T>` is one.
 */
export interface QueryLike<T> {
  data: T | undefined;
  isError: boolean;
  error: unknown;
}

/** Note on every chart drawn from an opened report. */
export const FROM_REPORT_NOTE = 'From the opened report.';
/** Why a report may lack a section, on every "not in this report" state. */
export const NOT_IN_REPORT_HINT = 'Saved before that part of the run finished, or not computed for this model.';
/** Hint of every state caused by the model or the text (unreadable file, bad tokenizer). */
export const INPUT_HINT = 'Open another model or text, or go back to the built-in model and the bundled text.';
/** Hint of every state caused by one failed job: the rest of the page is not affected. */
export const JOB_FAILED_HINT = 'Change the settings on the left and try again; the other charts keep working.';
/** Hint of every state that needs a quantized model. */
export const NOT_QUANTIZED_HINT = 'Turn on weight or KV-cache quantization on the left.';

export function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export function readyState(option: ChartOption, table: ChartTable, note?: string): ChartState {
  return note ? { status: 'ready', option, table, note } : { status: 'ready', option, table };
}

export function idleState(message: string, hint?: string): IdleState {
  return hint ? { status: 'idle', message, hint } : { status: 'idle', message };
}

/** Waiting for an input that is not a job of its own (the model config, the text). */
export function waitingState(what: string): LoadingState {
  return { status: 'loading', message: `Waiting for ${what}…` };
}

/**
 * A chart waiting for an engine or worker job: `<subject>: <progress message>` with its fraction
 * while the job reports progress, `<subject>: waiting for the engine…` while it is queued (or
 * reports a fraction with no message).
 */
export function engineState(subject: string, progress?: JobProgressLike | null): LoadingState {
  if (progress?.message) return { status: 'loading', message: `${subject}: ${progress.message}`, fraction: progress.fraction };
  const waiting = `${subject}: waiting for the engine…`;
  return progress ? { status: 'loading', message: waiting, fraction: progress.fraction } : { status: 'loading', message: waiting };
}

/** The opened report has no section for this chart. `what` is a noun phrase ("perplexity curves"). */
export function notInReportState(what: string): ErrorState {
  return { status: 'error', message: `This report holds no ${what}.`, hint: NOT_IN_REPORT_HINT };
}

/** The model or the text could not be read; `message` names which and why. */
export function inputErrorState(message: string): ErrorState {
  return { status: 'error', message, hint: INPUT_HINT };
}

/** A job (or laying out its result) failed; `message` says which and why. */
export function jobFailedState(message: string): ErrorState {
  return { status: 'error', message, hint: JOB_FAILED_HINT };
}

/** A chart that compares a quantized run with full precision, with no quantized run. */
export function notQuantizedState(reason = 'nothing is quantized'): ErrorState {
  return { status: 'error', message: `No quantized run: ${reason}.`, hint: NOT_QUANTIZED_HINT };
}

/** Runs a ready-state builder; a malformed result becomes a job-failed state instead of taking the page down. */
export function guardedState(build: () => ChartState): ChartState {
  try {
    return build();
  } catch (err) {
    return jobFailedState(errorText(err));
  }
}

/** Adds a note to a ready state (other states are returned as they are). */
export function withNote(state: ChartState, note: string | undefined): ChartState {
  return state.status === 'ready' && note ? { ...state, note: state.note ? `${state.note} ${note}` : note } : state;
}
