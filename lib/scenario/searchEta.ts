/** Time estimates of a running search (the dashboard's "about N min left"). */

/** Engine graphs the before/after measurement opens after the last candidate (dev before/after; test PTQ and FP, before/after). */
export const MEASUREMENT_GRAPHS = 6;

/**
 * The measurement's cost in candidate-equivalents. A candidate runs `windows` windows of L′ and its
 * guard's short windows over the same tokens (≈ 2·windows L′-windows); the measurement runs dev
 * before/after (`windows` L′-windows each) and the four test curves (`testWindows` each):
 * (2·windows + 4·testWindows) / (2·windows).
 */
export function measurementCandidateEquivalents(windows: number, testWindows: number): number {
  return 1 + (2 * testWindows) / windows;
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
