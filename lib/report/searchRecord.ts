/**
 * The Q-ROAR search part of the run report (SPEC §5, §7): the search settings, every candidate
 * with its full scale vector, and the result (chosen scales, dev/test perplexity before/after
 * per context, short-context check), so a reopened report shows the same search without rerunning.
 * Candidate bandIndex −1 is the baseline (all g = 1).
 */
import type { SearchCandidate } from '../charts/types';
import type { CandidateRecord } from '../qroar/search';
import type { SearchRunResult } from '../run/searchRun';

export interface ReportBeforeAfter {
  contextTokens: number[];
  before: number[];
  after: number[];
}

export interface ReportSearchRun {
  state: 'done' | 'cancelled';
  variant: 'symmetric' | 'shared' | 'query-only';
  bands: Array<{ bandIndex: number; firstPair: number; lastPair: number; label: string }>;
  bandOrder: number[];
  grid: number[];
  guardTolerance: number;
  contextTokens: number;
  shortContextTokens: number;
  windows: number;
  /** Full scale vector of every candidate, same order as `candidates`. */
  candidateScales: number[][];
  baseline: { objective: number; guard: number } | null;
  best: { objective: number; guard: number } | null;
  dev: ReportBeforeAfter | null;
  test: ReportBeforeAfter | null;
  shortContext: { contextTokens: number; beforeNll: number; afterNll: number; withinGuard: boolean } | null;
  seconds: number;
}

export interface ReportSearch {
  candidates: SearchCandidate[];
  chosenScales: number[] | null;
  run?: ReportSearchRun;
}

/** Chart/report candidate from a search record (baseline → bandIndex −1). */
export function toSearchCandidate(c: CandidateRecord): SearchCandidate {
  return { bandIndex: c.bandIndex ?? -1, scale: c.scale, objective: c.objective, guard: c.guard, rejected: !c.accepted, elapsedMs: c.elapsedMs };
}

export function reportSearchOf(
  result: SearchRunResult,
  settings: Omit<ReportSearchRun, 'state' | 'bandOrder' | 'grid' | 'candidateScales' | 'baseline' | 'best' | 'dev' | 'test' | 'shortContext' | 'seconds'>,
): ReportSearch {
  return {
    candidates: result.candidates.map(toSearchCandidate),
    chosenScales: result.cancelled ? null : result.chosenScales,
    run: {
      ...settings,
      state: result.cancelled ? 'cancelled' : 'done',
      bandOrder: result.bandOrder,
      grid: result.grid,
      candidateScales: result.candidates.map((c) => c.scales),
      baseline: result.baseline,
      best: result.best,
      dev: result.dev,
      test: result.test,
      shortContext: result.shortContext,
      seconds: result.seconds,
    },
  };
}

/** Validates `search.run`; returns an error message naming the bad field, or null. */
export function searchRunProblem(raw: unknown, candidateCount: number): string | null {
  if (typeof raw !== 'object' || raw === null) return 'search.run must be an object';
  const r = raw as Record<string, unknown>;
  const isNums = (v: unknown) => Array.isArray(v) && v.every((x) => typeof x === 'number');
  if (r.state !== 'done' && r.state !== 'cancelled') return `search.run.state is ${JSON.stringify(r.state)}`;
  if (!['symmetric', 'shared', 'query-only'].includes(r.variant as string)) return `search.run.variant is ${JSON.stringify(r.variant)}`;
  if (!Array.isArray(r.bands)) return 'search.run.bands must be an array';
  for (const k of ['bandOrder', 'grid'] as const) if (!isNums(r[k])) return `search.run.${k} must be an array of numbers`;
  for (const k of ['guardTolerance', 'contextTokens', 'shortContextTokens', 'windows', 'seconds'] as const) if (typeof r[k] !== 'number') return `search.run.${k} must be a number`;
  if (!Array.isArray(r.candidateScales) || r.candidateScales.length !== candidateCount || !r.candidateScales.every(isNums)) {
    return `search.run.candidateScales must hold one number array per candidate (${candidateCount})`;
  }
  for (const k of ['dev', 'test'] as const) {
    const v = r[k] as Record<string, unknown> | null;
    if (v === null) continue;
    if (typeof v !== 'object' || !isNums(v.contextTokens) || !isNums(v.before) || !isNums(v.after)) return `search.run.${k} must hold contextTokens, before and after number arrays`;
    const n = (v.contextTokens as number[]).length;
    if ((v.before as number[]).length !== n || (v.after as number[]).length !== n) return `search.run.${k} has ${n} contexts but a different number of values`;
  }
  return null;
}
