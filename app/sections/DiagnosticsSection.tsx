'use client';
/**
 * SPEC §4 diagnostics from real tapped runs: TIR (layer × band heat map and per pair, q/k pre/post
 * RoPE), logit error against distance and query position, KL per position, activation-based IP. Computed by the engine
 * and analysis workers (hooks/useDiagnostics) or read from an opened report.
 */
import { useMemo, useState } from 'react';
import { ChartCard } from '@/components/charts/ChartCard';
import { TirTensorPicker } from '@/components/diagnostics/TirTensorPicker';
import type { TapTensor } from '@/lib/charts/types';
import type { DiagnosticsResult } from '@/lib/scenario/diagnosticsCompute';
import type { DiagnosticsRun } from '@/hooks/useDiagnostics';
import { diagnosticsChartStates, reportDiagnosticsSource } from '@/lib/views/diagnosticsStates';

export interface DiagnosticsSectionProps {
  run: DiagnosticsRun;
  /** When a report is open: its diagnostics (null = the report has none). */
  report: DiagnosticsResult | null | undefined;
  reportOpen: boolean;
  dark: boolean;
}

export function DiagnosticsSection({ run, report, reportOpen, dark }: DiagnosticsSectionProps) {
  const [tensor, setTensor] = useState<TapTensor>('k-post');
  const ready = reportOpen ? report : run.outcome?.result;
  const quantSkipped = run.outcome?.quantSkipped ?? null;
  // Options are rebuilt only when the numbers, the tensor or the theme change, not on progress ticks.
  const readyStates = useMemo(
    () => (ready ? diagnosticsChartStates({ kind: 'result', result: ready, fromReport: reportOpen, quantSkipped }, tensor, { dark }) : null),
    [ready, reportOpen, quantSkipped, tensor, dark],
  );
  const states = readyStates ?? diagnosticsChartStates(reportOpen ? reportDiagnosticsSource(null) : run.source, tensor, { dark });
  const picker = (which: string) => <TirTensorPicker value={tensor} onChange={setTensor} label={`TIR tensor (${which})`} />;
  return (
    <>
      <div data-tir-tensor={tensor} className="contents">
        <ChartCard id="tir-heatmap" state={states['tir-heatmap']} dark={dark} heightPx={260} controls={picker('heat map')} />
        <ChartCard id="tir-pair" state={states['tir-pair']} dark={dark} heightPx={260} controls={picker('per pair')} />
      </div>
      <ChartCard id="logit-error-distance" state={states['logit-error-distance']} dark={dark} heightPx={300} />
      <ChartCard id="logit-error-query" state={states['logit-error-query']} dark={dark} heightPx={300} />
      <ChartCard id="kl-position" state={states['kl-position']} dark={dark} />
      <ChartCard id="ip-activation" state={states['ip-activation']} dark={dark} />
    </>
  );
}
