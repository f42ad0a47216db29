'use client';
/** Auto / linear / log choice for a chart's y-axis (props in, callback out); `resolved` names the scale auto picked. */
import type { AxisScaleChoice } from '@/lib/charts/axisScale';

const CHOICES: readonly AxisScaleChoice[] = ['auto', 'linear', 'log'];

export interface AxisScaleToggleProps {
  value: AxisScaleChoice;
  /** The scale in force when value is 'auto'. */
  resolved: 'linear' | 'log' | null;
  onChange(value: AxisScaleChoice): void;
  label: string;
}

export function AxisScaleToggle({ value, resolved, onChange, label }: AxisScaleToggleProps) {
  return (
    <div role="radiogroup" aria-label={label} className="flex items-center gap-0.5 text-[11px]">
      <span className="mr-1 text-zinc-500">y-axis</span>
      {CHOICES.map((c) => (
        <button
          key={c}
          type="button"
          role="radio"
          aria-checked={value === c}
          onClick={() => onChange(c)}
          className={`rounded border px-1.5 py-0.5 dark:border-zinc-700 ${value === c ? 'bg-zinc-200 font-medium dark:bg-zinc-700' : 'hover:bg-zinc-100 dark:hover:bg-zinc-800'}`}
        >
          {c === 'auto' && value === 'auto' && resolved ? `auto (${resolved})` : c}
        </button>
      ))}
    </div>
  );
}
