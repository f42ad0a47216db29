/**
 * Which contexts and how many windows a scenario evaluates (SPEC §4: from L/4 to s·L), sized so
 * the default scenario stays within a few seconds of WASM time per curve.
 */

/** Powers of two from ⌈L/4⌉ up to targetTokens, plus targetTokens itself. Ascending, unique. */
export function evaluationContexts(trainedWindowTokens: number, targetTokens: number): number[] {
  if (!(trainedWindowTokens >= 8) || !(targetTokens >= 8))
    throw new Error(`evaluationContexts: windows must be ≥ 8 tokens, got L = ${trainedWindowTokens}, L′ = ${targetTokens}`);
  const out = new Set<number>();
  let c = Math.pow(2, Math.ceil(Math.log2(trainedWindowTokens / 4)));
  for (; c < targetTokens; c *= 2) out.add(c);
  out.add(targetTokens);
  return [...out].sort((a, b) => a - b);
}

/**
 * Windows of `contextTokens` to score so each context sees about `tokenBudget` tokens: at least 1,
 * at most `maxWindows` (each run has a fixed overhead, so short contexts are capped).
 */
export function windowsForContext(contextTokens: number, tokenBudget: number, maxWindows = Infinity): number {
  return Math.min(maxWindows, Math.max(1, Math.floor(tokenBudget / contextTokens)));
}
