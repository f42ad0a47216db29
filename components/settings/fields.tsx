'use client';
/** Small labelled form controls; every one has an accessible name through its <label>. */
import { useId, useState, type ReactNode } from 'react';

const control = 'w-full rounded border border-zinc-300 bg-white px-1 py-0.5 text-xs dark:border-zinc-700 dark:bg-zinc-900';

export function Field({ label, children, htmlFor }: { label: string; children: ReactNode; htmlFor: string }) {
  return (
    <div className="flex items-center justify-between gap-2">
      <label htmlFor={htmlFor} className="shrink-0 text-xs text-zinc-600 dark:text-zinc-400">
        {label}
      </label>
      <div className="w-32">{children}</div>
    </div>
  );
}

export function SelectField<T extends string>({
  label,
  value,
  options,
  onChange,
}: {
  label: string;
  value: T;
  options: ReadonlyArray<{ value: T; label: string }>;
  onChange: (v: T) => void;
}) {
  const id = useId();
  return (
    <Field label={label} htmlFor={id}>
      <select id={id} className={control} value={value} onChange={(e) => onChange(e.target.value as T)}>
        {options.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </select>
    </Field>
  );
}

/** Commits only valid numbers, on blur or Enter, so typing does not restart jobs per keystroke. */
export function NumberField({
  label,
  value,
  min,
  max,
  step,
  integer,
  onChange,
}: {
  label: string;
  value: number;
  min: number;
  max: number;
  step?: number;
  integer?: boolean;
  onChange: (v: number) => void;
}) {
  const id = useId();
  const [text, setText] = useState(String(value));
  // A new value from outside replaces the draft, adjusted while rendering (not in an effect, which renders twice).
  const [shownValue, setShownValue] = useState(value);
  if (!Object.is(shownValue, value)) {
    setShownValue(value);
    setText(String(value));
  }
  const parsed = Number(text);
  const valid = text.trim() !== '' && Number.isFinite(parsed) && parsed >= min && parsed <= max && (!integer || Number.isInteger(parsed));
  const commit = (): void => {
    if (valid && parsed !== value) onChange(parsed);
    if (!valid) setText(String(value));
  };
  return (
    <Field label={label} htmlFor={id}>
      <input
        id={id}
        type="number"
        inputMode="decimal"
        className={`${control} ${valid ? '' : 'border-red-500'}`}
        value={text}
        min={min}
        max={max}
        step={step ?? 'any'}
        aria-invalid={!valid}
        onChange={(e) => setText(e.target.value)}
        onBlur={commit}
        onKeyDown={(e) => {
          if (e.key === 'Enter') commit();
        }}
      />
    </Field>
  );
}

export function TextField({ label, value, onCommit, error }: { label: string; value: string; onCommit: (v: string) => void; error?: string | null }) {
  const id = useId();
  const [text, setText] = useState(value);
  const [shownValue, setShownValue] = useState(value);
  if (shownValue !== value) {
    setShownValue(value);
    setText(value);
  }
  return (
    <div className="flex flex-col gap-0.5">
      <Field label={label} htmlFor={id}>
        <input
          id={id}
          className={control}
          value={text}
          aria-invalid={Boolean(error)}
          onChange={(e) => setText(e.target.value)}
          onBlur={() => onCommit(text)}
          onKeyDown={(e) => {
            if (e.key === 'Enter') onCommit(text);
          }}
        />
      </Field>
      {error ? (
        <span className="text-[11px] text-red-700 dark:text-red-400" role="alert">
          {error}
        </span>
      ) : null}
    </div>
  );
}

export function CheckField({ label, checked, onChange }: { label: string; checked: boolean; onChange: (v: boolean) => void }) {
  const id = useId();
  return (
    <div className="flex items-center gap-1.5">
      <input id={id} type="checkbox" checked={checked} onChange={(e) => onChange(e.target.checked)} />
      <label htmlFor={id} className="text-xs">
        {label}
      </label>
    </div>
  );
}

export function Group({ title, children }: { title: string; children: ReactNode }) {
  return (
    <fieldset className="flex flex-col gap-1 border-t border-zinc-200 pt-2 dark:border-zinc-800">
      <legend className="pr-1 text-[11px] font-semibold uppercase tracking-wide text-zinc-500">{title}</legend>
      {children}
    </fieldset>
  );
}
