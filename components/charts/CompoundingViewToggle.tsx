'use client';
/** Relative / absolute / per-position choice of the quantization-gap chart (props in, callback out). */
import { COMPOUNDING_VIEWS, type CompoundingView } from '@/lib/charts/compoundingChart';

export interface CompoundingViewToggleProps {
  value: CompoundingView;
  onChange(value: CompoundingView): void;
}

export function CompoundingViewToggle({ value, onChange }: CompoundingViewToggleProps) {
  return (
    <div role="radiogroup" aria-label="Quantization gap view" className="flex items-center gap-0.5 text-[11px]">
      {COMPOUNDING_VIEWS.map(({ view, label }) => (
        <button
          key={view}
          type="button"
          role="radio"
          aria-checked={value === view}
          data-compounding-view={view}
          onClick={() => onChange(view)}
          className={`rounded border px-1.5 py-0.5 dark:border-zinc-700 ${value === view ? 'bg-zinc-200 font-medium dark:bg-zinc-700' : 'hover:bg-zinc-100 dark:hover:bg-zinc-800'}`}
        >
          {label}
        </button>
      ))}
    </div>
  );
}
