/**
 * A saved report → the charts the compare view draws for it (pressure, perplexity, and the search
 * candidates when the report holds them). Numbers come from the file; nothing is recomputed.
 */
import { searchOption, searchTable } from '../charts/search';
import type { ChartId, ChartTheme } from '../charts/types';
import type { RunReport } from '../report/report';
import { reportChartData } from '../report/reportViews';
import { FROM_REPORT_NOTE, readyState, type ChartState } from './chartState';
import { reportPplState } from './curveStates';
import { reportPressureStates } from './pressureStates';

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
  return out;
}
