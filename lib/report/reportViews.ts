/**
 * A saved report → the chart records the dashboard draws, and a compare diff → table rows. Pure:
 * every number comes from the report files; nothing is recomputed or filled in.
 */
import type { PplData, PressureData, SearchData } from '../charts/types';
import type { ReportDiff } from './compare';
import type { RunReport } from './report';

export interface ReportChartData {
  /** null when the report holds no pressure section. */
  pressure: PressureData | null;
  /** null when the report holds no perplexity curves. */
  perplexity: PplData | null;
  /** null when the report holds no search candidates. */
  search: SearchData | null;
}

export function reportChartData(report: RunReport): ReportChartData {
  const pressure = report.pressure ?? null;
  const ppl =
    report.perplexity && report.perplexity.curves.length
      ? { curves: report.perplexity.curves, trainedWindowTokens: report.perplexity.trainedWindowTokens }
      : null;
  const candidates = report.search?.candidates ?? [];
  // Search bands are the report's band partition; without pressure the report does not say them.
  const search = candidates.length && pressure ? { bands: pressure.bands, candidates, baselineObjective: null } : null;
  return { pressure, perplexity: ppl, search };
}

export interface PplDeltaRow {
  method: string;
  variant: string;
  contextTokens: number;
  left: number;
  right: number;
  /** right − left (perplexity units). */
  delta: number;
  /** (right − left) / left; NaN when left is 0 or not finite. */
  relative: number;
}

/** Per-context perplexity deltas, ordered by method, variant, then context. */
export function pplDeltaRows(diff: ReportDiff): PplDeltaRow[] {
  return diff.perplexity
    .map((p) => ({ ...p, delta: p.right - p.left, relative: Number.isFinite(p.left) && p.left !== 0 ? (p.right - p.left) / p.left : Number.NaN }))
    .sort((a, b) => a.method.localeCompare(b.method) || a.variant.localeCompare(b.variant) || a.contextTokens - b.contextTokens);
}

/** Which diagnostics sections a report holds, e.g. 'TIR, logit error, KL' (or 'none'). */
function diagnosticsFact(report: RunReport): string {
  const d = report.diagnostics;
  if (!d) return 'none';
  const parts = ['TIR', ...(d.logitErrorDistance ? ['logit error'] : []), ...(d.kl ? ['KL'] : []), ...(d.activationIp ? ['activation IP'] : [])];
  return `${parts.join(', ')} at ${d.longTokens} tokens`;
}

/** Facts about the two runs shown above the diff: [label, left, right]; differing ones flagged. */
export function reportFactRows(left: RunReport, right: RunReport): Array<{ label: string; left: string; right: string; differs: boolean }> {
  const facts: Array<[string, string, string]> = [
    ['Model', left.model.label, right.model.label],
    ['Model identity (sha256)', left.model.identity.slice(0, 16), right.model.identity.slice(0, 16)],
    ['Device', left.device ?? 'not recorded', right.device ?? 'not recorded'],
    ['Saved', left.createdAt, right.createdAt],
    [
      'Tokens per context',
      left.perplexity ? String(left.perplexity.tokenBudget) : 'no curves',
      right.perplexity ? String(right.perplexity.tokenBudget) : 'no curves',
    ],
    ['Search candidates', String(left.search?.candidates.length ?? 0), String(right.search?.candidates.length ?? 0)],
    ['Diagnostics', diagnosticsFact(left), diagnosticsFact(right)],
  ];
  return facts.map(([label, l, r]) => ({ label, left: l, right: r, differs: l !== r }));
}
