'use client';
/**
 * Two saved reports side by side: the same charts for each (pressure, perplexity, search
 * candidates when present) and a table of what differs. Presentational: reports in, nothing out.
 */
import { ChartCard } from '@/components/charts/ChartCard';
import type { RunReport } from '@/lib/report/report';
import { reportChartStates } from '@/lib/views/reportStates';
import { ReportDiffTable } from './ReportDiffTable';

export type CompareSlot =
  { status: 'empty' } | { status: 'error'; fileName: string; message: string } | { status: 'ready'; fileName: string; report: RunReport };

export type Side = 'left' | 'right';

export interface CompareViewProps {
  left: CompareSlot;
  right: CompareSlot;
  dark: boolean;
}

export function CompareView({ left, right, dark }: CompareViewProps) {
  const theme = { dark };
  const column = (side: Side, slot: CompareSlot) => {
    if (slot.status === 'empty') return <p className="text-xs text-zinc-500">No {side} report open.</p>;
    if (slot.status === 'error') {
      return (
        <p role="alert" data-testid={`compare-error-${side}`} className="text-xs text-red-700 dark:text-red-400">
          Could not open {slot.fileName} — {slot.message}. Pick a file saved by “Save report”.
        </p>
      );
    }
    const r = slot.report;
    return (
      <div className="flex flex-col gap-3" data-testid={`compare-${side}`}>
        <p className="text-xs text-zinc-600 dark:text-zinc-400">
          <span className="font-medium">{slot.fileName}</span> · {r.model.label} · {r.createdAt} · numbers from the file, not recomputed
        </p>
        {reportChartStates(r, theme).map(({ id, state }) => (
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
