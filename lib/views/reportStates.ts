/**
 * A saved report → the charts the compare view draws for it (pressure, perplexity, the search
 * candidates and the diagnostics charts when the report holds them). Numbers come from the file;
 * nothing is recomputed.
 */
import { searchOption, searchTable } from '../charts/search';
import type { ChartId, ChartTheme } from '../charts/types';
import type { RunReport } from '../report/report';
import { reportChartData } from '../report/reportViews';
import { FROM_REPORT_NOTE, readyState, type ChartState } from './chartState';
import { reportPplState } from './curveStates';
import { diagnosticsChartStates, reportDiagnosticsSource, type DiagnosticsChartKey } from './diagnosticsStates';
import { reportPressureStates } from './pressureStates';

/** The diagnostics charts a report with diagnostics shows in Compare (TIR of k post-RoPE, as the live view opens). */
const DIAGNOSTICS_CHARTS: readonly DiagnosticsChartKey[] = [
  'tir-heatmap',
  'tir-pair',
  'logit-error-distance',
  'logit-error-query',
  'kl-position',
  'ip-activation',
];

export function reportChartStates(report: RunReport, theme: ChartTheme): Array<{ id: ChartId; state: ChartState }> {
  const pressure = reportPressureStates(report.pressure, theme);
  const out: Array<{ id: ChartId; state: ChartState }> = [
    { id: 'pressure-band', state: pressure.band },
    { id: 'pressure-pair', state: pressure.pair },
    { id: 'ppl-context', state: reportPplState(report.perplexity, theme) },
  ];
  // A report without a search simply has no search chart here (there is nothing to wait for).
  const search = reportChartData(report).search;
  if (search) out.push({ id: 'search-candidates', state: readyState(searchOption(search, theme), searchTable(search), FROM_REPORT_NOTE) });
  if (report.diagnostics) {
    const states = diagnosticsChartStates(reportDiagnosticsSource(report.diagnostics), 'k-post', theme);
    for (const id of DIAGNOSTICS_CHARTS) out.push({ id, state: states[id] });
  }
  return out;
}
