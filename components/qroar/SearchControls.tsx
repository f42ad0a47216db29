'use client';
/** Run / Cancel of the Q-ROAR search with grid size, progress and ETA. Presentational. */
import type { SearchState } from '@/lib/views/searchStates';

export interface SearchControlsProps {
  state: SearchState;
  gridPoints: number;
  onGridPoints: (n: number) => void;
  /** Safe window of the grid, shown in the label. */
  windowLo: number;
  windowHi: number;
  /** Held-out test windows of L′ for the before/after and penalty figures. */
  testWindows: number;
  onTestWindows: (n: number) => void;
  bandCount: number;
  done: number;
  total: number;
  etaMs: number | null;
  message: string;
  blocked: string | null;
  onRun: () => void;
  onCancel: () => void;
}

export function SearchControls({
  state,
  gridPoints,
  onGridPoints,
  windowLo,
  windowHi,
  testWindows,
  onTestWindows,
  bandCount,
  done,
  total,
  etaMs,
  message,
  blocked,
  onRun,
  onCancel,
}: SearchControlsProps) {
  const running = state === 'running';
  const button = 'rounded border border-zinc-300 px-2 py-0.5 text-xs hover:bg-zinc-100 disabled:opacity-40 dark:border-zinc-700 dark:hover:bg-zinc-800';
  return (
    <div className="flex flex-col gap-1 text-xs">
      <div className="flex flex-wrap items-center gap-2">
        <label className="flex items-center gap-1">
          <span className="text-zinc-600 dark:text-zinc-400">Grid points</span>
          <input
            type="number"
            aria-label="Search grid points per band"
            className="w-12 rounded border border-zinc-300 bg-transparent px-1 dark:border-zinc-700"
            min={2}
            max={17}
            value={gridPoints}
            disabled={running}
            onChange={(e) => {
              const n = Math.round(Number(e.target.value));
              if (n >= 2 && n <= 17) onGridPoints(n);
            }}
          />
        </label>
        <span className="text-zinc-500">
          {bandCount} bands × {gridPoints} points in [{Number(windowLo.toFixed(4))}, {Number(windowHi.toFixed(4))}]
        </span>
        <label
          className="flex items-center gap-1"
          title="Held-out windows of L′ behind every test figure; more windows, smaller standard errors, longer measurement."
        >
          <span className="text-zinc-600 dark:text-zinc-400">Test windows</span>
          <input
            type="number"
            aria-label="Held-out test windows"
            className="w-14 rounded border border-zinc-300 bg-transparent px-1 dark:border-zinc-700"
            min={1}
            value={testWindows}
            disabled={running}
            onChange={(e) => {
              const n = Math.round(Number(e.target.value));
              if (n >= 1) onTestWindows(n);
            }}
          />
        </label>
        <button type="button" className={button} onClick={onRun} disabled={running || blocked !== null} aria-label="Run search">
          Run search
        </button>
        <button type="button" className={button} onClick={onCancel} disabled={!running} aria-label="Cancel search">
          Cancel
        </button>
      </div>
      {blocked ? (
        <p role="note" className="text-[11px] text-amber-700 dark:text-amber-400">
          Search unavailable: {blocked}.
        </p>
      ) : null}
      {running || done > 0 ? (
        <div className="flex items-center gap-2" role="status">
          <progress className="w-40" max={Math.max(1, total)} value={done} aria-label="Search progress" />
          <span className="tabular-nums">
            {done}/{total} candidates
            {running && etaMs !== null ? ` · ETA ${Math.ceil(etaMs / 1000)} s` : ''}
          </span>
          <span className="text-zinc-500">{message}</span>
        </div>
      ) : null}
    </div>
  );
}
