/**
 * Number and unit formatting for captions, tooltips, cards and CSV. Pure; no locale
 * dependence (a report must read the same on every machine).
 */

/** `sig` significant digits, switching to exponent form outside [1e-3, 1e6); '—' for non-finite. */
export function formatNumber(value: number, sig = 4): string {
  if (!Number.isFinite(value)) return Number.isNaN(value) ? '—' : value > 0 ? '∞' : '−∞';
  if (value === 0) return '0';
  const abs = Math.abs(value);
  if (abs >= 1e6 || abs < 1e-3) return value.toExponential(Math.max(0, sig - 1)).replace('-', '−');
  const text = value.toPrecision(sig);
  // toPrecision may give '1.000e+3' for abs ≥ 10^sig; fall back to a rounded integer then.
  const plain = text.includes('e') ? String(Math.round(value)) : stripTrailingZeros(text);
  return plain.replace('-', '−');
}

/** Signed percentage change from `before` to `after`, e.g. '−7.3 %'. */
export function formatPercentChange(before: number, after: number, digits = 1): string {
  if (!Number.isFinite(before) || !Number.isFinite(after) || before === 0) return '—';
  const pct = ((after - before) / Math.abs(before)) * 100;
  const sign = pct > 0 ? '+' : pct < 0 ? '−' : '±';
  return `${sign}${Math.abs(pct).toFixed(digits)} %`;
}

/** Token counts: 1024 → '1024', 16384 → '16k', 131072 → '128k' (binary k only when exact). */
export function formatTokens(tokens: number): string {
  if (tokens >= 4096 && tokens % 1024 === 0) return `${tokens / 1024}k`;
  return String(tokens);
}

/** Bytes with binary prefixes: 1536 → '1.5 KiB'. */
export function formatBytes(sizeBytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = sizeBytes;
  let u = 0;
  while (Math.abs(v) >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${u === 0 ? v : stripTrailingZeros(v.toFixed(1))} ${units[u]}`;
}

/** Durations: 850 → '850 ms', 12_300 → '12.3 s', 125_000 → '2 min 5 s'. */
export function formatDuration(elapsedMs: number): string {
  if (!Number.isFinite(elapsedMs) || elapsedMs < 0) return '—';
  if (elapsedMs < 1000) return `${Math.round(elapsedMs)} ms`;
  if (elapsedMs < 60_000) return `${stripTrailingZeros((elapsedMs / 1000).toFixed(1))} s`;
  const totalS = Math.round(elapsedMs / 1000);
  return `${Math.floor(totalS / 60)} min ${totalS % 60} s`;
}

function stripTrailingZeros(text: string): string {
  return text.includes('.') ? text.replace(/\.?0+$/, '') : text;
}
