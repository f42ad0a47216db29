/**
 * The run report (SPEC §7): one self-contained JSON file with the settings, the model identity by
 * hash, every number behind every chart and every search candidate. The dashboard reopens it and
 * draws the same charts without recomputing. Versioned; parse validates structure and says where
 * a file is wrong.
 */
import type { PositionGapSeries } from '../charts/compounding';
import type { PplCurve, PressureData } from '../charts/types';
import { decodeSettings, encodeSettings } from '../settings/codec';
import type { Settings } from '../settings/settings';
import { reviveSearchRun, searchRunProblem, type ReportSearch, type ReportSearchRun } from './searchRecord';
import type { TrainedWindow } from '../model/trainedWindow';
import type { DiagnosticsResult } from '../scenario/diagnosticsCompute';
import { diagnosticsProblem } from './diagnosticsRecord';

export const REPORT_FORMAT = 'bandscope-report';
/**
 * Version 2 (issue #10): the Q-ROAR guard is measured on separate short dev windows on both sides
 * (lib/scenario/searchPlan GUARD_DEFINITION), the CLI writes reports too, and the model identity is
 * lib/model's one hash. Version 1 files still open (every v1 field is read as before); the reader
 * says what differs (`ParsedReport.notes`). A newer version is refused with the numbers.
 */
export const REPORT_VERSION = 2;
/** The oldest report version this reader opens. */
export const OLDEST_REPORT_VERSION = 1;

/** What a version-1 report measured differently, said when one is opened. */
export const V1_GUARD_NOTE =
  'This is a version-1 report: its Q-ROAR short-context guard was measured by the dashboard on the first S − 1 predictions of the long dev windows, not on separate short windows as version 2 measures it.';

export interface ReportModel {
  id: string;
  label: string;
  /** lib/model identity (MODEL_IDENTITY_SCHEME, SHA-256 hex of the files' names, sizes and headers), the same for the dashboard and the CLI. */
  identity: string;
  weightsSizeBytes: number | null;
  /** Trained window L in force and where it came from ('override' or a config/GGUF key); absent in reports saved before it was recorded. */
  trainedWindow?: TrainedWindow;
}

/** Pressure data with typed arrays as plain number arrays (JSON). */
export type ReportPressure = Omit<
  PressureData,
  'ipPerPair' | 'displacementTurnsPerPair' | 'interpolatedFractionPerPair' | 'wavelengthTokens' | 'ipPerBand' | 'displacementTurnsPerBand'
> & {
  ipPerPair: number[];
  displacementTurnsPerPair: number[];
  interpolatedFractionPerPair: number[];
  wavelengthTokens: number[];
  ipPerBand: number[];
  displacementTurnsPerBand: number[];
};

/**
 * Perplexity curves. Issue #12 added two optional fields, so a report opens in a dashboard that
 * predates them: `controlCurves` holds the FP + Q-ROAR curves (variant 'fp+qroar'; kept out of
 * `curves`, whose variants an older reader checks) — parseReport merges them back into `curves`;
 * `positionGaps` holds the quantization-gap chart's per-position series (lib/charts/compounding).
 */
export interface ReportPerplexity {
  curves: PplCurve[];
  trainedWindowTokens: number;
  tokenBudget: number;
  controlCurves?: PplCurve[];
  positionGaps?: PositionGapSeries[];
}

export interface RunReport {
  format: typeof REPORT_FORMAT;
  version: number;
  createdAt: string;
  /** The settings as the URL query (lib/settings codec) — one spelling for reports and links. */
  settingsQuery: string;
  model: ReportModel;
  device: string | null;
  pressure: ReportPressure | null;
  perplexity: ReportPerplexity | null;
  /** Q-ROAR search; `run` (lib/report/searchRecord) holds its settings, candidate scales and result. */
  search: ReportSearch | null;
  /** SPEC §4 diagnostics (lib/report/diagnosticsRecord); absent in reports saved before they existed. */
  diagnostics?: DiagnosticsResult | null;
}

export interface ReportParts {
  settings: Settings;
  model: ReportModel;
  device: string | null;
  pressure: PressureData | null;
  perplexity: RunReport['perplexity'];
  search: RunReport['search'];
  diagnostics?: DiagnosticsResult | null;
  createdAt: Date;
}

export function buildReport(parts: ReportParts): RunReport {
  const p = parts.pressure;
  return {
    format: REPORT_FORMAT,
    version: REPORT_VERSION,
    createdAt: parts.createdAt.toISOString(),
    settingsQuery: encodeSettings(parts.settings),
    model: parts.model,
    device: parts.device,
    pressure: p
      ? {
          ...p,
          ipPerPair: Array.from(p.ipPerPair),
          displacementTurnsPerPair: Array.from(p.displacementTurnsPerPair),
          interpolatedFractionPerPair: Array.from(p.interpolatedFractionPerPair),
          wavelengthTokens: Array.from(p.wavelengthTokens),
          ipPerBand: Array.from(p.ipPerBand),
          displacementTurnsPerBand: Array.from(p.displacementTurnsPerBand),
        }
      : null,
    perplexity: parts.perplexity ? splitControlCurves(parts.perplexity) : null,
    search: parts.search,
    diagnostics: parts.diagnostics ?? null,
  };
}

function splitControlCurves(p: ReportPerplexity): ReportPerplexity {
  const control = p.curves.filter((c) => c.variant === 'fp+qroar');
  const out: ReportPerplexity = { ...p, curves: p.curves.filter((c) => c.variant !== 'fp+qroar') };
  if (control.length) out.controlCurves = [...(p.controlCurves ?? []), ...control];
  return out;
}

export function serializeReport(report: RunReport): string {
  return JSON.stringify(report, null, 1);
}

export class ReportFormatError extends Error {
  override name = 'ReportFormatError';
}

export interface ParsedReport {
  report: RunReport;
  settings: Settings;
  /** What an older version's numbers mean differently (empty for a current report). */
  notes: string[];
}

/**
 * Parses and validates report text; throws ReportFormatError with a sentence a person can act on:
 * not JSON, not a Bandscope report, a newer or unknown version (with the versions this reader
 * opens), or the first bad field of a damaged file.
 */
export function parseReport(text: string): ParsedReport {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new ReportFormatError(`not a JSON file (${err instanceof Error ? err.message : String(err)})`);
  }
  const r = obj(raw, 'report');
  if (r.format !== REPORT_FORMAT)
    throw new ReportFormatError(`format is ${JSON.stringify(r.format)}, expected "${REPORT_FORMAT}" — this is not a Bandscope report`);
  const readable = `this dashboard reads report versions ${OLDEST_REPORT_VERSION} to ${REPORT_VERSION}`;
  if (typeof r.version !== 'number' || !Number.isInteger(r.version) || r.version < OLDEST_REPORT_VERSION) {
    throw new ReportFormatError(`its report version ${JSON.stringify(r.version ?? null)} is not one Bandscope ever wrote (${readable})`);
  }
  if (r.version > REPORT_VERSION) {
    throw new ReportFormatError(`it was written by a newer Bandscope (report version ${r.version}) and ${readable}; open it with a newer dashboard`);
  }
  const notes: string[] = r.version === 1 && r.search !== null && r.search !== undefined ? [V1_GUARD_NOTE] : [];
  str(r.createdAt, 'createdAt');
  str(r.settingsQuery, 'settingsQuery');
  const m = obj(r.model, 'model');
  str(m.id, 'model.id');
  str(m.label, 'model.label');
  str(m.identity, 'model.identity');
  if (m.trainedWindow !== undefined) {
    const w = obj(m.trainedWindow, 'model.trainedWindow');
    num(w.windowTokens, 'model.trainedWindow.windowTokens');
    str(w.source, 'model.trainedWindow.source');
    arr(w.candidates, 'model.trainedWindow.candidates').forEach((c, i) => {
      const cand = obj(c, `model.trainedWindow.candidates[${i}]`);
      str(cand.source, `model.trainedWindow.candidates[${i}].source`);
      num(cand.windowTokens, `model.trainedWindow.candidates[${i}].windowTokens`);
    });
  }
  if (r.device !== null) str(r.device, 'device');
  if (r.pressure !== null) {
    const p = obj(r.pressure, 'pressure');
    const pairs = nums(p.ipPerPair, 'pressure.ipPerPair').length;
    for (const k of ['displacementTurnsPerPair', 'interpolatedFractionPerPair', 'wavelengthTokens'] as const) {
      if (nums(p[k], `pressure.${k}`).length !== pairs) throw new ReportFormatError(`pressure.${k} has a different length from pressure.ipPerPair (${pairs})`);
    }
    const bands = arr(p.bands, 'pressure.bands');
    bands.forEach((b, i) => {
      const band = obj(b, `pressure.bands[${i}]`);
      num(band.bandIndex, `pressure.bands[${i}].bandIndex`);
      num(band.firstPair, `pressure.bands[${i}].firstPair`);
      num(band.lastPair, `pressure.bands[${i}].lastPair`);
      str(band.label, `pressure.bands[${i}].label`);
    });
    for (const k of ['ipPerBand', 'displacementTurnsPerBand'] as const) {
      if (nums(p[k], `pressure.${k}`).length !== bands.length)
        throw new ReportFormatError(`pressure.${k} has ${(p[k] as unknown[]).length} values for ${bands.length} bands`);
    }
    num(p.trainedWindowTokens, 'pressure.trainedWindowTokens');
    num(p.targetWindowTokens, 'pressure.targetWindowTokens');
  }
  if (r.perplexity !== null) {
    const pp = obj(r.perplexity, 'perplexity');
    num(pp.trainedWindowTokens, 'perplexity.trainedWindowTokens');
    const checkCurves = (field: 'curves' | 'controlCurves', variants: string[]) =>
      arr(pp[field], `perplexity.${field}`).forEach((c, i) => {
        const curve = obj(c, `perplexity.${field}[${i}]`);
        str(curve.method, `perplexity.${field}[${i}].method`);
        if (!variants.includes(curve.variant as string))
          throw new ReportFormatError(`perplexity.${field}[${i}].variant is ${JSON.stringify(curve.variant)}, expected one of ${variants.join(', ')}`);
        const n = nums(curve.contextTokens, `perplexity.${field}[${i}].contextTokens`).length;
        if (nums(curve.perplexity, `perplexity.${field}[${i}].perplexity`).length !== n)
          throw new ReportFormatError(`perplexity.${field}[${i}] has ${n} contexts but a different number of values`);
      });
    checkCurves('curves', ['fp', 'ptq', 'ptq+qroar']);
    if (pp.controlCurves !== undefined) {
      checkCurves('controlCurves', ['fp+qroar']);
      pp.curves = [...(pp.curves as unknown[]), ...(pp.controlCurves as unknown[])];
    }
    if (pp.positionGaps !== undefined) {
      arr(pp.positionGaps, 'perplexity.positionGaps').forEach((g, i) => {
        const where = `perplexity.positionGaps[${i}]`;
        const gap = obj(g, where);
        str(gap.method, `${where}.method`);
        if (gap.stage !== 'before' && gap.stage !== 'after')
          throw new ReportFormatError(`${where}.stage is ${JSON.stringify(gap.stage)}, expected "before" or "after"`);
        num(gap.windowTokens, `${where}.windowTokens`);
        const n = nums(gap.centreTokens, `${where}.centreTokens`).length;
        for (const k of ['binLo', 'binHi', 'nllGapNats'] as const)
          if (nums(gap[k], `${where}.${k}`).length !== n) throw new ReportFormatError(`${where}.${k} has a different length from ${where}.centreTokens (${n})`);
      });
    }
  }
  if (r.search !== null) {
    const s = obj(r.search, 'search');
    arr(s.candidates, 'search.candidates').forEach((c, i) => {
      const cand = obj(c, `search.candidates[${i}]`);
      for (const k of ['bandIndex', 'scale', 'objective', 'guard', 'elapsedMs']) num(cand[k], `search.candidates[${i}].${k}`);
      if (typeof cand.rejected !== 'boolean') throw new ReportFormatError(`search.candidates[${i}].rejected must be true or false`);
    });
    if (s.chosenScales !== null) nums(s.chosenScales, 'search.chosenScales');
    if (s.run !== undefined) {
      const problem = searchRunProblem(s.run, (s.candidates as unknown[]).length);
      if (problem) throw new ReportFormatError(problem);
      reviveSearchRun(s.run as ReportSearchRun);
    }
  }
  if (r.diagnostics !== undefined && r.diagnostics !== null) {
    const d = diagnosticsProblem(r.diagnostics);
    if ('problem' in d) throw new ReportFormatError(d.problem);
    r.diagnostics = d.value;
  }
  const { settings, problems } = decodeSettings(r.settingsQuery as string);
  if (problems.length) throw new ReportFormatError(`settingsQuery has unreadable settings: ${problems.join('; ')}`);
  return { report: raw as RunReport, settings, notes };
}

function obj(v: unknown, where: string): Record<string, unknown> {
  if (v === null || typeof v !== 'object' || Array.isArray(v))
    throw new ReportFormatError(`${where} must be an object, got ${v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v}`);
  return v as Record<string, unknown>;
}
function arr(v: unknown, where: string): unknown[] {
  if (!Array.isArray(v)) throw new ReportFormatError(`${where} must be an array`);
  return v;
}
function str(v: unknown, where: string): string {
  if (typeof v !== 'string') throw new ReportFormatError(`${where} must be a string`);
  return v;
}
function num(v: unknown, where: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new ReportFormatError(`${where} must be a finite number, got ${JSON.stringify(v)}`);
  return v;
}
/** JSON has no NaN/Infinity: such values arrive as null and are kept as gaps. */
function nums(v: unknown, where: string): Array<number | null> {
  const a = arr(v, where);
  a.forEach((x, i) => {
    if (x !== null && (typeof x !== 'number' || !Number.isFinite(x))) throw new ReportFormatError(`${where}[${i}] must be a number, got ${JSON.stringify(x)}`);
  });
  return a as Array<number | null>;
}
