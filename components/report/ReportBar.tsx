'use client';
/** Save / open a run report; shows which report is open and any error reading one. */
import { useId } from 'react';

export interface ReportBarProps {
  canSave: boolean;
  onSave: () => void;
  onOpen: (file: File) => void;
  /** Label of the open report, or null when the view is live. */
  opened: string | null;
  onClose: () => void;
  error: string | null;
}

export function ReportBar({ canSave, onSave, onOpen, opened, onClose, error }: ReportBarProps) {
  const inputId = useId();
  const button = 'rounded border border-zinc-300 px-2 py-0.5 text-xs disabled:opacity-40 dark:border-zinc-700';
  return (
    <div className="flex flex-wrap items-center gap-2 border-b border-zinc-200 px-4 py-1.5 text-xs dark:border-zinc-800">
      <button type="button" className={button} disabled={!canSave} onClick={onSave}>
        Save report
      </button>
      <label htmlFor={inputId} className={`${button} cursor-pointer`}>
        Open report…
      </label>
      <input
        id={inputId}
        className="sr-only"
        type="file"
        accept=".json,application/json"
        aria-label="Open a saved report"
        onChange={(e) => {
          const f = e.target.files?.[0];
          if (f) onOpen(f);
          e.target.value = '';
        }}
      />
      {opened ? (
        <span data-testid="report-open" className="flex items-center gap-2 rounded bg-amber-100 px-2 py-0.5 dark:bg-amber-900/40">
          Viewing saved report: {opened} (numbers from the file, not recomputed)
          <button type="button" className={button} onClick={onClose}>
            Back to live view
          </button>
        </span>
      ) : null}
      {error ? (
        <span role="alert" data-testid="report-error" className="text-red-700 dark:text-red-400">
          Could not open the report — {error}. Pick a file saved by “Save report” or written by <code>bandscope … --report</code>.
        </span>
      ) : null}
    </div>
  );
}
