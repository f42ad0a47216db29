'use client';
/**
 * Two saved reports side by side: the same charts for each (pressure, perplexity, search
 * candidates, and the diagnostics sections a report has) and a table of what differs.
 * Presentational: reports and their diagnostics chart states in, nothing out.
 */
import { ChartCard, type ChartState } from '@/components/charts/ChartCard';
import { pplOption, pplTable } from '@/lib/charts/curves';
import { pressureBandOption, pressureBandTable, pressurePairOption, pressurePairTable } from '@/lib/charts/pressure';
import { searchOption, searchTable } from '@/lib/charts/search';
import type { ChartId, ChartTheme } from '@/lib/charts/types';
import type { RunReport } from '@/lib/report/report';
import { reportChartData } from '@/lib/report/reportViews';
import { ReportDiffTable } from './ReportDiffTable';

export type CompareSlot = { status: 'empty' } | { status: 'error'; fileName: string; message: string } | { status: 'ready'; fileName: string; report: RunReport };

export type Side = 'left' | 'right';

function chartStates(report: RunReport, theme: ChartTheme): Array<{ id: ChartId; state: ChartState }> {
  const d = reportChartData(report);
  const absent = (what: string): ChartState => ({ status: 'error', message: `This report holds no ${what}.`, hint: 'Saved before that part of the run finished, or not computed for this model.' });
  const out: Array<{ id: ChartId; state: ChartState }> = [
    { id: 'pressure-band', state: d.pressure ? { status: 'ready', option: pressureBandOption(d.pressure, theme), table: pressureBandTable(d.pressure) } : absent('pressure data') },
    { id: 'pressure-pair', state: d.pressure ? { status: 'ready', option: pressurePairOption(d.pressure, theme), table: pressurePairTable(d.pressure) } : absent('pressure data') },
    {
      id: 'ppl-context',
      state: d.perplexity
        ? { status: 'ready', option: pplOption(d.perplexity, theme), table: pplTable(d.perplexity), note: report.perplexity ? `${report.perplexity.tokenBudget} tokens scored per context (from the report).` : undefined }
        : absent('perplexity curves'),
    },
  ];
  if (d.search) out.push({ id: 'search-candidates', state: { status: 'ready', option: searchOption(d.search, theme), table: searchTable(d.search) } });
  return out;
}

/** A report's diagnostics charts (TIR, logit error, KL, activation IP), as the dashboard draws them. */
export type DiagnosticsCharts = Array<{ id: ChartId; state: ChartState }>;

export interface CompareViewProps {
  left: CompareSlot;
  right: CompareSlot;
  dark: boolean;
  /** Per side, the diagnostics charts of a report that holds diagnostics (absent: none shown). */
  diagnostics?: Partial<Record<Side, DiagnosticsCharts>>;
}

export function CompareView({ left, right, dark, diagnostics }: CompareViewProps) {
  const theme = { dark };
  const column = (side: Side, slot: CompareSlot) => {
    if (slot.status === 'empty') return <p className="text-xs text-zinc-500">No {side} report open.</p>;
    if (slot.status === 'error') {
      return (
        <p role="alert" data-testid={`compare-error-${side}`} className="text-xs text-red-700 dark:text-red-400">
          Could not open {slot.fileName} — {slot.message}. Pick a file saved by “Save report” or written by <code>bandscope … --report</code>.
        </p>
      );
    }
    const r = slot.report;
    return (
      <div className="flex flex-col gap-3" data-testid={`compare-${side}`}>
        <p className="text-xs text-zinc-600 dark:text-zinc-400">
          <span className="font-medium">{slot.fileName}</span> · {r.model.label} · {r.createdAt} · numbers from the file, not recomputed
        </p>
        {[...chartStates(r, theme), ...(diagnostics?.[side] ?? [])].map(({ id, state }) => (
          <ChartCard key={id} id={id} state={state} dark={dark} instance={`compare-${side}`} heightPx={220} />
        ))}
      </div>
    );
  };
  return (
    <div className="flex flex-col gap-3">
      {left.status === 'ready' && right.status === 'ready' ? <ReportDiffTable left={left.report} right={right.report} /> : null}
      <div className="grid grid-cols-1 gap-3 lg:grid-cols-2">
        <div>{column('left', left)}</div>
        <div>{column('right', right)}</div>
      </div>
    </div>
  );
}
