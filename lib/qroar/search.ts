import { DEFAULT_GRID, logSpacedGrid, type GridSpec } from './grid';
import { checkNoiseSettings, DEFAULT_NOISE, isBetterBeyondNoise, pairedDifference, type NoiseSettings, type PairedStat } from './noise';
import { SEARCH_DEFAULTS } from '../scenario/searchPlan';

/**
 * Coordinate-wise Q-ROAR scale search (SPEC §5). The objective is injected, so the same driver
 * runs the real objective (long-context dev NLL at L', guard = short-context NLL at ≤ L, one
 * forward pass per candidate in a worker) and the fast proxy (proxy.ts).
 *
 * Procedure:
 * 1. Evaluate the baseline g = 1 (all bands) once; its guard is the reference for the tolerance.
 * 2. For each sweep (default 1), for each band in `bandOrder` (descending IP, ties by TIR — see
 *    grid.ts bandVisitOrder; pass a prefix to search only the top bands): evaluate every grid
 *    value for that band with the other bands at their current best. A scales vector already
 *    evaluated (e.g. g = 1 for the first band, or the incumbent's own value) is never re-evaluated
 *    and produces no new record.
 * 3. A candidate is admissible when its guard ≤ baselineGuard + guardTolerance·|baselineGuard|
 *    and both numbers are finite; otherwise it is recorded as rejected. An admissible candidate
 *    becomes the incumbent at once (greedy) only when it is better *beyond noise*
 *    (lib/qroar/noise): with per-window objectives, the paired difference candidate − incumbent
 *    on the same windows must be below −max(sigmas·SE, float floor); without them (the proxy),
 *    below −float floor. Anything closer is a tie and ties keep the earlier point, so g = 1 wins
 *    ties; such a candidate is recorded with withinNoise = true.
 * Every evaluation, the baseline included (bandIndex null, sweep 0), is recorded and streamed.
 *
 * Per-layer scales: the driver only sees a vector of coordinates, so a per-layer search passes
 * bandCount = layers × bands with scales flattened layer-major ([layer][band]) and unflattens
 * them in its objective.
 *
 * Cancellation: `signal.aborted` is checked before every evaluation; when set the search stops
 * and *returns* (no throw) with cancelled = true and the best point found so far
 * (baseline / best are null when not even the baseline ran). Errors thrown by the objective propagate.
 */
export interface SearchEvaluation {
  /** Lower is better (mean NLL of the long dev set, nats/token, or a proxy). */
  objective: number;
  /** Short-context metric that may not rise more than guardTolerance (relative). */
  guard: number;
  /**
   * The objective of each dev window, [windows], same windows in the same order for every
   * candidate (mean NLL of a window, nats). Enables the paired noise test; omit for the proxy.
   */
  objectivePerWindow?: ArrayLike<number>;
}

export type SearchObjective = (scales: Float64Array) => Promise<SearchEvaluation>;

export interface CandidateRecord {
  /** 0-based order of evaluation; the baseline is index 0. */
  index: number;
  /** 0 for the baseline, then 1, 2, … */
  sweep: number;
  /** Band whose scale was varied; null for the baseline. */
  bandIndex: number | null;
  /** Scale tried for that band (1 for the baseline). */
  scale: number;
  /** Full scale vector evaluated, a copy, [bands]. */
  scales: number[];
  objective: number;
  guard: number;
  /** Passed the guard (admissible). */
  accepted: boolean;
  /** Became the incumbent when evaluated. */
  improved: boolean;
  /** Admissible with a lower objective than the incumbent, but not beyond noise: kept as a tie. */
  withinNoise?: boolean;
  /** Paired difference candidate − baseline over the dev windows (absent for the baseline and the proxy). */
  vsBaseline?: PairedStat;
  rejectedReason?: 'guard' | 'non-finite';
  /** Duration of this evaluation, ms, by the injected clock. */
  elapsedMs: number;
  /** Time from the start of the search to the end of this evaluation, ms. */
  sinceStartMs: number;
}

export interface SearchOptions {
  bandCount: number;
  evaluate: SearchObjective;
  /** Bands to visit, in order (default 0 … bandCount − 1). */
  bandOrder?: readonly number[];
  /** Grid settings (default 9 points in [0.8, 1.25]); ignored when gridValues is given. */
  grid?: Partial<GridSpec>;
  /** Explicit grid values (> 0); use logSpacedGrid unless you know why not. */
  gridValues?: readonly number[];
  /** Coordinate sweeps (default SEARCH_DEFAULTS.sweeps). */
  sweeps?: number;
  /** Relative guard tolerance (default SEARCH_DEFAULTS.guardTolerance = 0.5%). */
  guardTolerance?: number;
  /** When a lower objective counts as better (default lib/qroar/noise DEFAULT_NOISE). */
  noise?: NoiseSettings;
  onCandidate?: (record: CandidateRecord) => void;
  signal?: { readonly aborted: boolean };
  /** Milliseconds clock (default performance.now). */
  clock?: () => number;
}

export interface SearchResult {
  bestScales: Float64Array;
  baseline: SearchEvaluation | null;
  best: SearchEvaluation | null;
  candidates: CandidateRecord[];
  cancelled: boolean;
  grid: Float64Array;
  bandOrder: number[];
}

/** Runs the search; see the module comment. */
export async function runBandSearch(options: SearchOptions): Promise<SearchResult> {
  const { bandCount, evaluate } = options;
  if (!Number.isInteger(bandCount) || bandCount < 1) throw new Error(`runBandSearch: bandCount must be an integer ≥ 1, got ${bandCount}`);
  const bandOrder = options.bandOrder ? [...options.bandOrder] : Array.from({ length: bandCount }, (_, i) => i);
  for (const b of bandOrder) if (!Number.isInteger(b) || b < 0 || b >= bandCount) throw new Error(`runBandSearch: band ${b} outside 0…${bandCount - 1}`);
  const gridSpec = { ...DEFAULT_GRID, ...options.grid };
  const grid = options.gridValues ? Float64Array.from(options.gridValues) : logSpacedGrid(gridSpec.pointCount, gridSpec.lo, gridSpec.hi);
  for (const g of grid) if (!(g > 0 && Number.isFinite(g))) throw new Error(`runBandSearch: grid value ${g} must be finite and > 0`);
  const sweeps = options.sweeps ?? SEARCH_DEFAULTS.sweeps;
  if (!Number.isInteger(sweeps) || sweeps < 1) throw new Error(`runBandSearch: sweeps must be an integer ≥ 1, got ${sweeps}`);
  const tolerance = options.guardTolerance ?? SEARCH_DEFAULTS.guardTolerance;
  if (!(tolerance >= 0)) throw new Error(`runBandSearch: guardTolerance must be ≥ 0, got ${tolerance}`);
  const noise = options.noise ?? DEFAULT_NOISE;
  const noiseProblem = checkNoiseSettings(noise);
  if (noiseProblem) throw new Error(`runBandSearch: ${noiseProblem}`);
  const clock = options.clock ?? (() => performance.now());
  const signal = options.signal;

  const candidates: CandidateRecord[] = [];
  const seen = new Set<string>();
  const startMs = clock();
  const bestScales = new Float64Array(bandCount).fill(1);
  let baseline: SearchEvaluation | null = null;
  let best: SearchEvaluation | null = null;
  let guardLimit = Infinity;
  let baselineWindows: Float64Array | null = null;
  let bestWindows: Float64Array | null = null;

  const result = (cancelled: boolean): SearchResult => ({ bestScales: bestScales.slice(), baseline, best, candidates, cancelled, grid, bandOrder });

  const tryPoint = async (scales: Float64Array, sweep: number, bandIndex: number | null, scale: number): Promise<void> => {
    const t0 = clock();
    const value = await evaluate(scales.slice());
    const t1 = clock();
    const objective = Number(value.objective);
    const guard = Number(value.guard);
    let rejectedReason: CandidateRecord['rejectedReason'];
    if (!Number.isFinite(objective) || !Number.isFinite(guard)) rejectedReason = 'non-finite';
    else if (baseline !== null && guard > guardLimit) rejectedReason = 'guard';
    const perWindow = value.objectivePerWindow ? Float64Array.from(value.objectivePerWindow) : null;
    const accepted = rejectedReason === undefined;
    let better = best === null;
    let vsBaseline: PairedStat | undefined;
    if (best !== null && accepted) {
      if (perWindow && bestWindows && perWindow.length === bestWindows.length) better = isBetterBeyondNoise(pairedDifference(perWindow, bestWindows), noise);
      else better = objective < best.objective - noise.floatToleranceNats;
    }
    if (perWindow && baselineWindows && perWindow.length === baselineWindows.length) vsBaseline = pairedDifference(perWindow, baselineWindows);
    const improved = accepted && better;
    if (baseline === null) {
      baseline = { objective, guard };
      baselineWindows = perWindow;
      guardLimit = guard + tolerance * Math.abs(guard);
    }
    if (improved) {
      best = { objective, guard };
      bestWindows = perWindow;
      bestScales.set(scales);
    }
    const record: CandidateRecord = {
      index: candidates.length,
      sweep,
      bandIndex,
      scale,
      scales: Array.from(scales),
      objective,
      guard,
      accepted,
      improved,
      elapsedMs: t1 - t0,
      sinceStartMs: t1 - startMs,
    };
    if (rejectedReason) record.rejectedReason = rejectedReason;
    if (accepted && !improved && best !== null && objective < (best as SearchEvaluation).objective) record.withinNoise = true;
    if (vsBaseline) record.vsBaseline = vsBaseline;
    candidates.push(record);
    options.onCandidate?.(record);
  };

  if (signal?.aborted) return result(true);
  const ones = new Float64Array(bandCount).fill(1);
  seen.add(keyOf(ones));
  await tryPoint(ones, 0, null, 1);
  if (best === null)
    throw new Error(`runBandSearch: baseline (g = 1) gave a non-finite objective or guard: ${candidates[0].objective}, ${candidates[0].guard}`);

  for (let sweep = 1; sweep <= sweeps; sweep++) {
    for (const bandIndex of bandOrder) {
      for (const scale of grid) {
        const scales = bestScales.slice();
        scales[bandIndex] = scale;
        const key = keyOf(scales);
        if (seen.has(key)) continue;
        if (signal?.aborted) return result(true);
        seen.add(key);
        await tryPoint(scales, sweep, bandIndex, scale);
      }
    }
  }
  return result(false);
}

function keyOf(scales: Float64Array): string {
  return Array.from(scales).join(',');
}
