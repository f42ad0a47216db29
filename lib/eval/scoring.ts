/**
 * How a window of the token stream is scored (SPEC §4 "Token stream").
 *
 * - `bandscope`: window w covers tokens [w·C, (w+1)·C) of the stream as the tokenizer made it
 *   (one BOS at the start of the text when the tokenizer adds one) and is scored on all its
 *   C − 1 next-token predictions.
 * - `llama-perplexity`: what llama.cpp's `llama-perplexity` reports, so a Bandscope figure can sit
 *   next to one from llama.cpp on the same file and text: the same chunks of C tokens, but the
 *   first token of every chunk is replaced by BOS when the vocabulary adds BOS, and only the
 *   predictions from position ⌊C/2⌋ on are scored (each scored token then has at least C/2 tokens
 *   of context).
 */
import { EvalInputError } from './errors';

export type ScoreMode = 'bandscope' | 'llama-perplexity';

export const SCORE_MODES: readonly ScoreMode[] = ['bandscope', 'llama-perplexity'];

export interface WindowScoring {
  mode: ScoreMode;
  /** BOS id written over each chunk's first token in llama-perplexity mode; null when the vocabulary adds none. */
  bosId: number | null;
}

export const BANDSCOPE_SCORING: WindowScoring = { mode: 'bandscope', bosId: null };

/** First scored prediction index p (prediction of token p + 1 from tokens ≤ p) for a window of C tokens. */
export function firstScoredPrediction(scoring: WindowScoring, contextTokens: number): number {
  return scoring.mode === 'llama-perplexity' ? Math.floor(contextTokens / 2) : 0;
}

/**
 * The ids fed to the model for one window: the stream's own tokens, or (llama-perplexity with a
 * BOS) a copy whose first token is BOS. `window` is Int32Array[C]; never modified.
 */
export function windowInputIds(scoring: WindowScoring, window: Int32Array): Int32Array {
  if (scoring.mode !== 'llama-perplexity' || scoring.bosId === null || window[0] === scoring.bosId) return window;
  const ids = window.slice();
  ids[0] = scoring.bosId;
  return ids;
}

/** Parses `bandscope | llama-perplexity`; anything else is an EvalInputError naming both. */
export function parseScoreMode(raw: string): ScoreMode {
  if ((SCORE_MODES as readonly string[]).includes(raw)) return raw as ScoreMode;
  throw new EvalInputError(`score mode must be one of ${SCORE_MODES.join(', ')}, got '${raw}'`);
}

/** One sentence for the page and the CLI. */
export function describeScoring(scoring: WindowScoring, contextTokens?: number): string {
  if (scoring.mode === 'bandscope') return 'each window scored on all its next-token predictions';
  const from = contextTokens === undefined ? 'C/2' : String(Math.floor(contextTokens / 2));
  return `llama-perplexity scoring: ${scoring.bosId === null ? 'chunks as cut (the vocabulary adds no BOS)' : `each chunk's first token replaced by BOS ${scoring.bosId}`}, predictions from position ${from} on`;
}
