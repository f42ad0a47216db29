'use client';
/** What differs between two reports: run facts, settings (URL keys), per-context perplexity deltas. */
import { formatNumber, formatPercentChange, formatTokens } from '@/lib/format/number';
import { compareReports } from '@/lib/report/compare';
import type { RunReport } from '@/lib/report/report';
import { pplDeltaRows, reportFactRows } from '@/lib/report/reportViews';

const cell = 'border-b border-zinc-200 px-2 py-0.5 text-left align-top dark:border-zinc-800';

export function ReportDiffTable({ left, right }: { left: RunReport; right: RunReport }) {
  const diff = compareReports(left, right);
  const facts = reportFactRows(left, right);
  const deltas = pplDeltaRows(diff);
  return (
    <div data-testid="compare-diff" className="grid grid-cols-1 gap-3 text-xs xl:grid-cols-3">
      <table className="w-full" aria-label="Run facts, left and right">
        <thead>
          <tr>
            <th className={cell}>Run</th>
            <th className={cell}>Left</th>
            <th className={cell}>Right</th>
          </tr>
        </thead>
        <tbody>
          {facts.map((f) => (
            <tr key={f.label} className={f.differs ? 'bg-amber-50 dark:bg-amber-900/30' : undefined}>
              <td className={cell}>{f.label}</td>
              <td className={`${cell} break-all`}>{f.left}</td>
              <td className={`${cell} break-all`}>{f.right}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <table className="w-full" aria-label="Settings that differ">
        <thead>
          <tr>
            <th className={cell}>Setting (URL key)</th>
            <th className={cell}>Left</th>
            <th className={cell}>Right</th>
          </tr>
        </thead>
        <tbody>
          {diff.settings.length === 0 ? (
            <tr>
              <td className={cell} colSpan={3}>
                Same settings.{diff.sameModel ? '' : ' Different model weights (identity hash).'}
              </td>
            </tr>
          ) : (
            diff.settings.map(([key, l, r]) => (
              <tr key={key}>
                <td className={cell}>{key}</td>
                <td className={cell}>{l || 'default'}</td>
                <td className={cell}>{r || 'default'}</td>
              </tr>
            ))
          )}
        </tbody>
      </table>
      <table className="w-full" aria-label="Perplexity differences per context">
        <thead>
          <tr>
            <th className={cell}>Curve</th>
            <th className={cell}>Context</th>
            <th className={cell}>Left</th>
            <th className={cell}>Right</th>
            <th className={cell}>Δ (right − left)</th>
          </tr>
        </thead>
        <tbody>
          {deltas.length === 0 ? (
            <tr>
              <td className={cell} colSpan={5}>
                No curve and context in common.
              </td>
            </tr>
          ) : (
            deltas.map((d) => (
              <tr key={`${d.method}/${d.variant}/${d.contextTokens}`}>
                <td className={cell}>
                  {d.method} {d.variant}
                </td>
                <td className={cell}>{formatTokens(d.contextTokens)}</td>
                <td className={cell}>{formatNumber(d.left)}</td>
                <td className={cell}>{formatNumber(d.right)}</td>
                <td className={cell}>
                  {formatNumber(d.delta)} ({formatPercentChange(d.left, d.right)})
                </td>
              </tr>
            ))
          )}
        </tbody>
      </table>
    </div>
  );
}
