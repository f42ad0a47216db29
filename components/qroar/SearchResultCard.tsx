'use client';
/**
 * The search result: chosen scales, dev and test perplexity before/after per context, the
 * quantization penalty with the FP control, short-context check, grid-edge offer, Apply and
 * downloads. Every string with a number comes from lib/report/searchOutcomeView.
 */
import type { ReportSearchRun } from '@/lib/report/searchRecord';
import type { SearchOutcomeView } from '@/lib/report/searchOutcomeView';

export interface SearchResultCardProps {
  run: ReportSearchRun;
  outcome: SearchOutcomeView;
  /** Search again one widening step out (null: nothing to widen, or a report is open). */
  onWiden: (() => void) | null;
  chosenScales: number[];
  applied: boolean;
  onApply: (() => void) | null;
  onDownloadPatched: (() => void) | null;
  onDownloadScales: (() => void) | null;
  downloadError: string | null;
}

const fmt = (x: number) => (Number.isFinite(x) ? x.toFixed(3) : String(x));

export function SearchResultCard({
  run,
  outcome,
  onWiden,
  chosenScales,
  applied,
  onApply,
  onDownloadPatched,
  onDownloadScales,
  downloadError,
}: SearchResultCardProps) {
  const button = 'rounded border border-zinc-300 px-2 py-0.5 text-xs hover:bg-zinc-100 disabled:opacity-40 dark:border-zinc-700 dark:hover:bg-zinc-800';
  const cell = 'px-1.5 py-0.5 text-right tabular-nums';
  return (
    <section
      data-search-result
      aria-label="Q-ROAR search result"
      className="flex flex-col gap-2 rounded border border-zinc-200 p-2 text-xs dark:border-zinc-800"
    >
      <header className="flex flex-wrap items-center gap-2">
        <h4 className="font-semibold">
          Result ({run.variant}, {run.candidateScales.length} candidates, {run.seconds.toFixed(1)} s)
        </h4>
        <div className="ml-auto flex gap-1">
          <button
            type="button"
            className={button}
            disabled={!onApply || applied}
            onClick={() => onApply?.()}
            aria-label="Apply the chosen scales to every view"
          >
            {applied ? 'Applied' : 'Apply'}
          </button>
          <button
            type="button"
            className={button}
            disabled={!onDownloadPatched}
            onClick={() => onDownloadPatched?.()}
            aria-label="Download patched q_proj/k_proj safetensors"
          >
            q/k safetensors
          </button>
          <button type="button" className={button} disabled={!onDownloadScales} onClick={() => onDownloadScales?.()} aria-label="Download the scales JSON">
            scales JSON
          </button>
        </div>
      </header>
      {downloadError ? (
        <p role="alert" className="text-red-700 dark:text-red-400">
          {downloadError}
        </p>
      ) : null}
      {outcome.noOp ? (
        <p role="note" data-search-noop className="text-amber-700 dark:text-amber-400">
          No search: {outcome.noOp}
        </p>
      ) : null}
      {outcome.olderReport ? (
        <p role="note" className="text-zinc-500">
          {outcome.olderReport}
        </p>
      ) : null}
      {outcome.edge ? (
        <p role="note" data-search-edge className="flex flex-wrap items-center gap-2 text-amber-700 dark:text-amber-400">
          <span title={outcome.edge.definition}>
            Grid edge: {outcome.edge.message}. {outcome.edge.definition}
          </span>
          <button
            type="button"
            className={button}
            disabled={!onWiden}
            onClick={() => onWiden?.()}
            aria-label="Widen the search window one step and search again"
          >
            {outcome.edge.widenLabel}
          </button>
        </p>
      ) : null}
      <table className="w-fit" aria-label="Chosen scales per band">
        <thead>
          <tr className="text-zinc-500">
            <th className="px-1.5 text-left font-normal">band</th>
            {run.bands.map((b) => (
              <th key={b.bandIndex} className={`${cell} font-normal`} title={b.label}>
                {b.bandIndex} (pairs {b.firstPair}–{b.lastPair})
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          <tr>
            <td className="px-1.5">g</td>
            {chosenScales.map((g, i) => (
              <td key={i} className={cell} data-chosen-scale={g}>
                {g.toFixed(4)}
              </td>
            ))}
          </tr>
        </tbody>
      </table>
      {run.dev && run.test ? (
        <table className="w-fit" aria-label="Perplexity before and after per context">
          <thead>
            <tr className="text-zinc-500">
              <th className="px-1.5 text-left font-normal">context</th>
              <th className={`${cell} font-normal`}>dev before</th>
              <th className={`${cell} font-normal`}>dev after</th>
              <th className={`${cell} font-normal`}>test before</th>
              <th className={`${cell} font-normal`}>test after</th>
              <th className={`${cell} font-normal`}>test change (PTQ)</th>
              {run.control ? <th className={`${cell} font-normal`}>FP before</th> : null}
              {run.control ? <th className={`${cell} font-normal`}>FP after</th> : null}
            </tr>
          </thead>
          <tbody>
            {run.test.contextTokens.map((c, i) => (
              <tr key={c}>
                <td className="px-1.5 tabular-nums">{c}</td>
                <td className={cell}>{fmt(run.dev!.before[i])}</td>
                <td className={cell}>{fmt(run.dev!.after[i])}</td>
                <td className={cell} data-test-before={run.test!.before[i]}>
                  {fmt(run.test!.before[i])}
                </td>
                <td className={cell} data-test-after={run.test!.after[i]}>
                  {fmt(run.test!.after[i])}
                </td>
                <td className={cell} data-within-noise={outcome.testWithinNoise[c] ?? ''}>
                  {outcome.penaltyRows.find((r) => r.contextTokens === c)?.ptqChange ?? '—'}
                </td>
                {run.control ? (
                  <td className={cell} data-fp-before={run.control.before[i]}>
                    {fmt(run.control.before[i])}
                  </td>
                ) : null}
                {run.control ? (
                  <td className={cell} data-fp-after={run.control.after[i]}>
                    {fmt(run.control.after[i])}
                  </td>
                ) : null}
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      {outcome.devChange ? <p>Dev change at the chosen scales: {outcome.devChange}.</p> : null}
      {outcome.penaltyRows.length > 0 ? (
        <table className="w-fit" aria-label="Quantization penalty before and after per context" data-search-penalty>
          <thead>
            <tr className="text-zinc-500">
              <th className="px-1.5 text-left font-normal">context</th>
              <th className={`${cell} font-normal`}>test windows</th>
              <th className={`${cell} font-normal`}>PTQ change</th>
              <th className={`${cell} font-normal`}>FP control</th>
              <th className={`${cell} font-normal`}>penalty before (nats)</th>
              <th className={`${cell} font-normal`}>penalty after (nats)</th>
              <th className={`${cell} font-normal`}>penalty change</th>
              <th className={`${cell} font-normal`} title="(PTQ before − PTQ after)/(PTQ before − FP before), mean NLL">
                PTQ−FP gap closed
              </th>
              <th className={`${cell} font-normal`} title="before − after, mean NLL, nats">
                PTQ gain (nats)
              </th>
              <th className={`${cell} font-normal`} title="before − after with the same scales on the full-precision model, nats">
                FP gain (nats)
              </th>
              <th className={`${cell} font-normal`} title="(FP before − FP after)/(PTQ before − PTQ after)">
                FP share of the gain
              </th>
            </tr>
          </thead>
          <tbody>
            {outcome.penaltyRows.map((r) => (
              <tr key={r.contextTokens} data-control-context={r.contextTokens} data-not-specific={r.notQuantizationSpecific}>
                <td className="px-1.5 tabular-nums">{r.contextTokens}</td>
                <td className={cell}>{r.windows}</td>
                <td className={cell}>{r.ptqChange}</td>
                <td className={cell}>{r.fpChange}</td>
                <td className={cell}>{r.penaltyBefore}</td>
                <td className={cell}>{r.penaltyAfter}</td>
                <td className={cell}>{r.penaltyRelativeChange}</td>
                <td className={cell} data-gap-closed={r.gapClosed}>
                  {r.gapClosed}
                </td>
                <td className={cell}>{r.ptqGain}</td>
                <td className={cell} data-fp-gain={r.fpGain}>
                  {r.fpGain}
                </td>
                <td className={cell}>{r.fpShareOfGain}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      {outcome.notSpecific ? (
        <p role="note" data-search-not-specific className="text-amber-700 dark:text-amber-400">
          {outcome.notSpecific}
        </p>
      ) : null}
      {run.shortContext ? (
        <p>
          Short-context check ({run.shortContext.contextTokens} tokens, dev NLL): {run.shortContext.beforeNll.toFixed(4)} →{' '}
          {run.shortContext.afterNll.toFixed(4)} nats —{' '}
          <span className={run.shortContext.withinGuard ? 'text-emerald-700 dark:text-emerald-400' : 'text-red-700 dark:text-red-400'}>
            {run.shortContext.withinGuard ? `within the ${(run.guardTolerance * 100).toFixed(1)} % guard` : 'outside the guard'}
          </span>
        </p>
      ) : null}
      <p className="text-[11px] text-zinc-500">
        Perplexity of the quantized model without (before) and with (after) the chosen scales, and of the full-precision model with the same scales (FP, the
        control); dev = the searched text ({run.windows} windows of {run.contextTokens}), test = held-out text
        {run.testWindows ? ` (${run.testWindows} windows of ${run.contextTokens})` : ''}, shorter contexts from window prefixes. {outcome.caption}
      </p>
    </section>
  );
}
