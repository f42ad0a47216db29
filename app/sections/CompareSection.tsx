'use client';
/**
 * Compare two saved run reports side by side. Independent of the live view: opening files here
 * changes no settings and runs nothing; a bad file is reported on its side only.
 */
import { useId, useState } from 'react';
import { CompareView, type CompareSlot, type Side } from '@/components/report/CompareView';
import { parseReport } from '@/lib/report/report';

export function CompareSection({ dark }: { dark: boolean }) {
  const [slots, setSlots] = useState<Record<Side, CompareSlot>>({ left: { status: 'empty' }, right: { status: 'empty' } });
  const [open, setOpen] = useState(false);
  const ids = { left: useId(), right: useId() };
  const openFile = async (side: Side, file: File): Promise<void> => {
    let slot: CompareSlot;
    try {
      slot = { status: 'ready', fileName: file.name, report: parseReport(await file.text()).report };
    } catch (err) {
      slot = { status: 'error', fileName: file.name, message: err instanceof Error ? err.message : String(err) };
    }
    setSlots((s) => ({ ...s, [side]: slot }));
    setOpen(true);
  };
  const button = 'cursor-pointer rounded border border-zinc-300 px-2 py-0.5 text-xs dark:border-zinc-700';
  const anyOpen = slots.left.status !== 'empty' || slots.right.status !== 'empty';
  return (
    <section aria-label="Compare two reports" className="rounded border border-zinc-200 p-2 dark:border-zinc-800">
      <header className="flex flex-wrap items-center gap-2">
        <h2 className="text-sm font-semibold">Compare two reports</h2>
        {(['left', 'right'] as const).map((side) => (
          <span key={side}>
            <label htmlFor={ids[side]} className={button}>
              Open {side} report…
            </label>
            <input
              id={ids[side]}
              className="sr-only"
              type="file"
              accept=".json,application/json"
              aria-label={`Open the ${side} report to compare`}
              onChange={(e) => {
                const f = e.target.files?.[0];
                if (f) void openFile(side, f);
                e.target.value = '';
              }}
            />
          </span>
        ))}
        {anyOpen ? (
          <>
            <button type="button" className={button} aria-expanded={open} onClick={() => setOpen((o) => !o)}>
              {open ? 'Hide comparison' : 'Show comparison'}
            </button>
            <button
              type="button"
              className={button}
              onClick={() => {
                setSlots({ left: { status: 'empty' }, right: { status: 'empty' } });
                setOpen(false);
              }}
            >
              Close both
            </button>
          </>
        ) : (
          <span className="text-[11px] text-zinc-500">Reports saved with “Save report”; the same charts and a table of differences.</span>
        )}
      </header>
      {open && anyOpen ? (
        <div className="mt-2">
          <CompareView left={slots.left} right={slots.right} dark={dark} />
        </div>
      ) : null}
    </section>
  );
}
