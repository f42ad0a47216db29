/**
 * A performance measure ending now for work a worker timed (`elapsedMs`), so the e2e timing spec
 * can show where the seconds of a run go (performance.getEntriesByType('measure')): the engine
 * client names its loads and runs `engine …`, the analysis client its jobs `analysis …`.
 */
export function markTimeline(name: string, elapsedMs: number): void {
  if (typeof performance === 'undefined' || typeof performance.measure !== 'function') return;
  const end = performance.now();
  try {
    performance.measure(name, { start: Math.max(0, end - elapsedMs), end });
  } catch {
    // A runtime without measure options (old Node) loses only the timeline entry.
  }
}
