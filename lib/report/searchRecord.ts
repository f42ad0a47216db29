/**
 * The Q-ROAR search part of the run report (SPEC §5, §7): the search settings, every candidate
 * with its full scale vector, and the result (chosen scales, dev/test perplexity before/after
 * per context, short-context check), so a reopened report shows the same search without rerunning.
 * Candidate bandIndex −1 is the baseline (all g = 1).
 *
 * Issue #13 added (all optional, so reports saved before still open — `missingOutcomeFields`
 * names what such a report lacks): the noise settings, the no-op reason, the search window and
 * its edge hits, the paired dev change, the FP control and the quantization penalty per context.
 * Issue #12 added `penalty[].shares` (lib/qroar/controlShare; optional, derived from `nll` when absent).
 * JSON has no NaN: a standard error that could not be estimated (one window) is written as null
 * and read back as NaN (`reviveSearchRun`).
 */
import type { SearchCandidate } from '../charts/types';
import type { EdgeHit, SearchWindow } from '../qroar/gridEdge';
import type { NoiseSettings, PairedStat } from '../qroar/noise';
import type { ContextPenalty } from '../qroar/penalty';
import type { CandidateRecord } from '../qroar/search';
import type { SearchRunResult } from '../scenario/search';

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
  noOpReason?: string | null;
  noise?: NoiseSettings;
  window?: SearchWindow;
  edgeHits?: EdgeHit[];
  widenTo?: SearchWindow | null;
  devChange?: PairedStat | null;
  /** FP control perplexity per context (g = 1 / chosen g). */
  control?: ReportBeforeAfter | null;
  penalty?: ContextPenalty[] | null;
  testWindows?: number | null;
  /**
   * Issue #10 (optional; absent in reports saved before): the guard's S-token dev windows
   * (lib/scenario/searchPlan GUARD_DEFINITION), the analytic IP per band at L′ and the TIR
   * tie-break per band (null when IP had no ties) behind `bandOrder`.
   */
  guardWindows?: number;
  ipPerBand?: number[];
  tirPerBand?: number[] | null;
}

/** The issue #13 fields a search run from an older report lacks (empty for a current one). */
export function missingOutcomeFields(run: ReportSearchRun): string[] {
  const missing: string[] = [];
  if (run.noise === undefined) missing.push('the noise test (changes without standard errors)');
  if (run.penalty === undefined) missing.push('the FP control and the quantization penalty');
  if (run.edgeHits === undefined) missing.push('the grid-edge check');
  return missing;
}

type OutcomeKey =
  | 'noOpReason'
  | 'noise'
  | 'window'
  | 'edgeHits'
  | 'widenTo'
  | 'devChange'
  | 'control'
  | 'penalty'
  | 'testWindows'
  | 'guardWindows'
  | 'ipPerBand'
  | 'tirPerBand'
  | 'windows'
  | 'guardTolerance';

export interface ReportSearch {
  candidates: SearchCandidate[];
  chosenScales: number[] | null;
  run?: ReportSearchRun;
}

/** Chart/report candidate from a search record (baseline → bandIndex −1). */
export function toSearchCandidate(c: CandidateRecord): SearchCandidate {
  const out: SearchCandidate = {
    bandIndex: c.bandIndex ?? -1,
    scale: c.scale,
    objective: c.objective,
    guard: c.guard,
    rejected: !c.accepted,
    elapsedMs: c.elapsedMs,
    withinNoise: c.withinNoise === true,
  };
  if (c.vsBaseline) {
    out.vsBaselineNats = c.vsBaseline.meanNats;
    out.vsBaselineSeNats = Number.isFinite(c.vsBaseline.standardErrorNats) ? c.vsBaseline.standardErrorNats : null;
  }
  return out;
}

export function reportSearchOf(
  result: SearchRunResult,
  settings: Omit<
    ReportSearchRun,
    'state' | 'bandOrder' | 'grid' | 'candidateScales' | 'baseline' | 'best' | 'dev' | 'test' | 'shortContext' | 'seconds' | OutcomeKey
  >,
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
      noOpReason: result.noOpReason,
      noise: result.noise,
      window: result.window,
      edgeHits: result.edgeHits,
      widenTo: result.widenTo,
      devChange: result.devChange,
      control: result.control,
      penalty: result.penalty,
      testWindows: result.testWindows,
      windows: result.windows,
      guardTolerance: result.guardTolerance,
      guardWindows: result.guardWindows,
      ipPerBand: result.ipPerBand,
      tirPerBand: result.tirPerBand,
    },
  };
}

const STAT_KEYS = ['ptqChange', 'fpChange', 'penaltyBefore', 'penaltyAfter', 'penaltyChange'] as const;
const numOrNaN = (v: unknown) => (typeof v === 'number' ? v : Number.NaN);

/** Turns the nulls JSON wrote for NaN back into NaN in a validated run (in place; returns it). */
export function reviveSearchRun(run: ReportSearchRun): ReportSearchRun {
  const reviveStat = (s: PairedStat) => {
    s.standardErrorNats = numOrNaN(s.standardErrorNats);
  };
  if (run.devChange) reviveStat(run.devChange);
  for (const p of run.penalty ?? []) {
    for (const k of STAT_KEYS) reviveStat(p[k]);
    p.penaltyRelativeChange = numOrNaN(p.penaltyRelativeChange);
    p.penaltyRelativeChangeStdError = numOrNaN(p.penaltyRelativeChangeStdError);
    if (p.shares) {
      p.shares.ptqGainNats = numOrNaN(p.shares.ptqGainNats);
      p.shares.fpGainNats = numOrNaN(p.shares.fpGainNats);
    }
  }
  return run;
}

/** Problem with the issue #13 fields of `search.run` (each optional), or null. */
function outcomeProblem(r: Record<string, unknown>): string | null {
  const isStat = (v: unknown) => {
    const s = v as Record<string, unknown> | null;
    return (
      typeof s === 'object' &&
      s !== null &&
      typeof s.meanNats === 'number' &&
      (typeof s.standardErrorNats === 'number' || s.standardErrorNats === null) &&
      typeof s.windows === 'number'
    );
  };
  if (r.noOpReason !== undefined && r.noOpReason !== null && typeof r.noOpReason !== 'string') return 'search.run.noOpReason must be a string or null';
  const isNums = (v: unknown) => Array.isArray(v) && v.every((x) => typeof x === 'number' || x === null);
  if (r.guardWindows !== undefined && typeof r.guardWindows !== 'number') return 'search.run.guardWindows must be a number';
  if (r.ipPerBand !== undefined && !isNums(r.ipPerBand)) return 'search.run.ipPerBand must be an array of numbers';
  if (r.tirPerBand !== undefined && r.tirPerBand !== null && !isNums(r.tirPerBand)) return 'search.run.tirPerBand must be an array of numbers or null';
  if (r.noise !== undefined) {
    const n = r.noise as Record<string, unknown> | null;
    if (typeof n !== 'object' || n === null || typeof n.sigmas !== 'number' || typeof n.floatToleranceNats !== 'number')
      return 'search.run.noise must hold sigmas and floatToleranceNats numbers';
  }
  if (
    r.edgeHits !== undefined &&
    !(
      Array.isArray(r.edgeHits) &&
      r.edgeHits.every((h) => typeof h?.bandIndex === 'number' && typeof h?.scale === 'number' && (h?.edge === 'lo' || h?.edge === 'hi'))
    )
  ) {
    return 'search.run.edgeHits must be a list of {bandIndex, scale, edge: "lo" | "hi"}';
  }
  for (const k of ['window', 'widenTo'] as const) {
    const w = r[k] as Record<string, unknown> | null | undefined;
    if (w === undefined || (w === null && k === 'widenTo')) continue;
    if (typeof w !== 'object' || w === null || typeof w.lo !== 'number' || typeof w.hi !== 'number' || typeof w.pointCount !== 'number')
      return `search.run.${k} must hold lo, hi and pointCount numbers`;
  }
  if (r.devChange !== undefined && r.devChange !== null && !isStat(r.devChange))
    return 'search.run.devChange must hold meanNats, standardErrorNats and windows';
  if (r.penalty !== undefined && r.penalty !== null) {
    if (!Array.isArray(r.penalty)) return 'search.run.penalty must be an array';
    for (const [i, raw] of r.penalty.entries()) {
      const p = raw as Record<string, unknown>;
      if (typeof p !== 'object' || p === null || typeof p.contextTokens !== 'number' || typeof p.windows !== 'number')
        return `search.run.penalty[${i}] must hold contextTokens and windows`;
      for (const k of STAT_KEYS) if (!isStat(p[k])) return `search.run.penalty[${i}].${k} must hold meanNats, standardErrorNats and windows`;
      const nll = p.nll as Record<string, unknown> | null;
      if (typeof nll !== 'object' || nll === null || !['ptqBefore', 'ptqAfter', 'fpBefore', 'fpAfter'].every((k) => typeof nll[k] === 'number'))
        return `search.run.penalty[${i}].nll must hold ptqBefore, ptqAfter, fpBefore and fpAfter`;
      const w = p.withinNoise as Record<string, unknown> | null;
      if (typeof w !== 'object' || w === null || !['ptqChange', 'fpChange', 'penaltyChange'].every((k) => typeof w[k] === 'boolean'))
        return `search.run.penalty[${i}].withinNoise must hold three true/false flags`;
      if (p.shares !== undefined) {
        const sh = p.shares as Record<string, unknown> | null;
        const shareOk = (v: unknown) => v === null || typeof v === 'number';
        if (
          typeof sh !== 'object' ||
          sh === null ||
          !shareOk(sh.ptqGainNats) ||
          !shareOk(sh.fpGainNats) ||
          !shareOk(sh.gapClosedShare) ||
          !shareOk(sh.fpShareOfGain) ||
          typeof sh.notQuantizationSpecific !== 'boolean'
        ) {
          return `search.run.penalty[${i}].shares must hold ptqGainNats, fpGainNats, gapClosedShare, fpShareOfGain (numbers or null) and notQuantizationSpecific`;
        }
      }
    }
  }
  return null;
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
  for (const k of ['guardTolerance', 'contextTokens', 'shortContextTokens', 'windows', 'seconds'] as const)
    if (typeof r[k] !== 'number') return `search.run.${k} must be a number`;
  if (!Array.isArray(r.candidateScales) || r.candidateScales.length !== candidateCount || !r.candidateScales.every(isNums)) {
    return `search.run.candidateScales must hold one number array per candidate (${candidateCount})`;
  }
  for (const k of ['dev', 'test', 'control'] as const) {
    const v = r[k] as Record<string, unknown> | null | undefined;
    if (v === null || (v === undefined && k === 'control')) continue;
    if (typeof v !== 'object' || !isNums(v.contextTokens) || !isNums(v.before) || !isNums(v.after))
      return `search.run.${k} must hold contextTokens, before and after number arrays`;
    const n = (v.contextTokens as number[]).length;
    if ((v.before as number[]).length !== n || (v.after as number[]).length !== n) return `search.run.${k} has ${n} contexts but a different number of values`;
  }
  return outcomeProblem(r);
}
