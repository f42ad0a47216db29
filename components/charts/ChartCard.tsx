'use client';
/**
 * A chart with its contract: `data-chart` id, `data-state` idle|loading|ready|error, the definition
 * as caption (linking its section of the science page, opened in a new tab so the run stays), and PNG / SVG / CSV / JSON export. Without data it shows its state,
 * never numbers that no computation produced.
 */
import { useCallback, useRef, type ReactNode } from 'react';
import { CHART_DEFINITIONS, scienceHref } from '@/lib/charts/definitions';
import { tableToCsv, tableToJson } from '@/lib/charts/table';
import type { ChartId } from '@/lib/charts/types';
import type { ChartState } from '@/lib/views/chartState';
import { downloadBlob, downloadDataUrl } from '../download';
import { EChart, type ChartExporter } from './EChart';

export interface ChartCardProps {
  id: ChartId;
  state: ChartState;
  dark: boolean;
  heightPx?: number;
  /** Extra controls (tensor picker, context picker) shown in the header. */
  controls?: ReactNode;
  /** Prefix for data-chart when the same chart appears more than once (e.g. 'compare-left'). */
  instance?: string;
}

export function ChartCard({ id, state, dark, heightPx = 240, controls, instance }: ChartCardProps) {
  const def = CHART_DEFINITIONS[id];
  const exporterRef = useRef<ChartExporter | null>(null);
  const onExporter = useCallback((e: ChartExporter | null) => {
    exporterRef.current = e;
  }, []);
  const ready = state.status === 'ready';
  const dataState = state.status;
  const button = 'rounded border border-zinc-300 px-1.5 py-0.5 text-[11px] hover:bg-zinc-100 disabled:opacity-40 dark:border-zinc-700 dark:hover:bg-zinc-800';

  return (
    <section
      data-chart={instance ? `${instance}:${id}` : id}
      data-state={dataState}
      aria-label={instance ? `${def.title} (${instance})` : def.title}
      className="flex flex-col rounded border border-zinc-200 bg-white p-2 dark:border-zinc-800 dark:bg-zinc-900"
    >
      <header className="flex flex-wrap items-center gap-2">
        <h3 className="text-sm font-semibold">{def.title}</h3>
        {controls}
        <div className="ml-auto flex gap-1">
          <button
            type="button"
            className={button}
            disabled={!ready}
            aria-label={`${def.title}: download PNG`}
            onClick={() => {
              const url = exporterRef.current?.png(dark ? '#18181b' : '#ffffff');
              if (url) downloadDataUrl(`${id}.png`, url);
            }}
          >
            PNG
          </button>
          <button
            type="button"
            className={button}
            disabled={!ready}
            aria-label={`${def.title}: download SVG`}
            onClick={() => {
              void exporterRef.current?.svg().then((svg) => downloadBlob(`${id}.svg`, svg, 'image/svg+xml'));
            }}
          >
            SVG
          </button>
          <button
            type="button"
            className={button}
            disabled={!ready}
            aria-label={`${def.title}: download CSV`}
            onClick={() => {
              if (state.status === 'ready') downloadBlob(`${id}.csv`, tableToCsv(state.table), 'text/csv');
            }}
          >
            CSV
          </button>
          <button
            type="button"
            className={button}
            disabled={!ready}
            aria-label={`${def.title}: download JSON`}
            onClick={() => {
              if (state.status === 'ready') downloadBlob(`${id}.json`, tableToJson(state.table), 'application/json');
            }}
          >
            JSON
          </button>
        </div>
      </header>
      <p className="mt-1 text-[11px] leading-snug text-zinc-600 dark:text-zinc-400">
        {def.definition}{' '}
        <a
          href={scienceHref(def)}
          target="_blank"
          rel="noopener"
          className="whitespace-nowrap text-blue-700 underline dark:text-blue-400"
          aria-label={`${def.title}: definition on the science page`}
        >
          Definition ↗
        </a>
      </p>
      {state.status === 'ready' ? (
        <>
          <EChart option={state.option} heightPx={heightPx} ariaLabel={def.title} onExporter={onExporter} />
          {state.note ? <p className="text-[11px] text-zinc-500">{state.note}</p> : null}
        </>
      ) : state.status === 'idle' ? (
        // Waiting for the user, not for a job: no spinner or progress bar, a dashed frame instead.
        <div
          className="m-2 flex flex-col items-center justify-center gap-1 rounded border border-dashed border-zinc-300 px-4 text-center text-xs text-zinc-500 dark:border-zinc-700"
          style={{ height: heightPx - 16 }}
          role="note"
        >
          <span>{state.message}</span>
          {state.hint ? <span className="text-zinc-600 dark:text-zinc-400">{state.hint}</span> : null}
        </div>
      ) : state.status === 'loading' ? (
        <div className="flex flex-col items-center justify-center gap-2 text-xs text-zinc-500" style={{ height: heightPx }} role="status">
          <span>{state.message}</span>
          {state.fraction !== undefined ? <progress className="w-1/2" max={1} value={state.fraction} aria-label={`${def.title} progress`} /> : null}
        </div>
      ) : (
        <div className="flex flex-col items-center justify-center gap-1 px-4 text-center text-xs" style={{ height: heightPx }} role="alert">
          <span className="font-medium text-red-700 dark:text-red-400">{state.message}</span>
          {state.hint ? <span className="text-zinc-600 dark:text-zinc-400">{state.hint}</span> : null}
        </div>
      )}
    </section>
  );
}
