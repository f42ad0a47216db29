/**
 * A performance measure ending now for work a worker timed (`elapsedMs`), so the e2e timing spec
 * can show where the seconds of a run go (performance.getEntriesByType('measure')): the engine
 * client names its loads and runs `engine …`, the analysis client its jobs `analysis …`.
 *
 * An engine client inside the analysis worker would mark the worker's own timeline, which the page
 * cannot read: that worker sets a sink (`setTimelineSink`) that posts each entry to the page, where
 * the analysis client marks it on arrival (its end is then late by the message's latency, ~1 ms).
 */
let sink: ((name: string, elapsedMs: number) => void) | null = null;

/** Send every later entry to `next` instead of this realm's timeline (null: back to the timeline). */
export function setTimelineSink(next: ((name: string, elapsedMs: number) => void) | null): void {
  sink = next;
}

export function markTimeline(name: string, elapsedMs: number): void {
  if (sink) {
    sink(name, elapsedMs);
    return;
  }
  if (typeof performance === 'undefined' || typeof performance.measure !== 'function') return;
  const end = performance.now();
  try {
    performance.measure(name, { start: Math.max(0, end - elapsedMs), end });
  } catch {
    // A runtime without measure options (old Node) loses only the timeline entry.
  }
}
