/** Time estimates of a running search (the dashboard's "about N min left"). */

/** Engine graphs the before/after measurement opens after the last candidate (dev before/after; test PTQ and FP, before/after). */
export const MEASUREMENT_GRAPHS = 6;

/**
 * The measurement's cost in candidate-equivalents: dev before/after run `windows` windows each
 * (≈ one candidate), the four test curves `testWindows` windows each.
 */
export function measurementCandidateEquivalents(windows: number, testWindows: number): number {
  return 2 + (4 * testWindows) / windows;
}

/**
 * Remaining time estimate (ms) from the mean duration of the candidates so far: the candidates
 * left plus the measurement (`measurementCost` candidate-equivalents, default MEASUREMENT_GRAPHS).
 * Null before the first.
 */
export function searchEtaMs(elapsedMs: readonly number[], totalCandidates: number, measurementCost = MEASUREMENT_GRAPHS): number | null {
  if (elapsedMs.length === 0) return null;
  const mean = elapsedMs.reduce((a, b) => a + b, 0) / elapsedMs.length;
  return Math.max(0, totalCandidates - elapsedMs.length + measurementCost) * mean;
}
