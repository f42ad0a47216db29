'use client';
/** Which tapped tensor the TIR charts show: q or k, before or after the rotation. */
import type { TapTensor } from '@/lib/charts/types';

const LABELS: Record<TapTensor, string> = { 'q-pre': 'q pre-RoPE', 'k-pre': 'k pre-RoPE', 'q-post': 'q post-RoPE', 'k-post': 'k post-RoPE' };

export function TirTensorPicker({ value, onChange, label }: { value: TapTensor; onChange: (t: TapTensor) => void; label: string }) {
  return (
    <select
      aria-label={label}
      value={value}
      onChange={(e) => onChange(e.target.value as TapTensor)}
      className="rounded border border-zinc-300 bg-transparent px-1 py-0.5 text-[11px] dark:border-zinc-700"
    >
      {(Object.keys(LABELS) as TapTensor[]).map((t) => (
        <option key={t} value={t}>
          {LABELS[t]}
        </option>
      ))}
    </select>
  );
}
