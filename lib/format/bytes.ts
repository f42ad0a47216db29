/**
 * Byte sizes as people write them: '6G', '512M', '1.5GiB', '2048' (binary units: K = 1024 bytes).
 * Pure; used by the CLI's --memory-budget and by every budget message.
 */

const UNIT_BYTES: Record<string, number> = { '': 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3, T: 1024 ** 4 };

/**
 * Parses a positive size: a number with an optional K/M/G/T suffix (binary, optional 'i' and 'B';
 * case-insensitive), e.g. '6G' = 6 GiB. Returns whole bytes, or null for anything else.
 */
export function parseByteSize(raw: string): number | null {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([kmgt]?)(i?b)?\s*$/i.exec(raw);
  if (!m) return null;
  const bytes = Math.floor(Number(m[1]) * UNIT_BYTES[m[2].toUpperCase()]);
  return Number.isSafeInteger(bytes) && bytes > 0 ? bytes : null;
}

/** 1536 → '1.50 KiB', 6 GiB → '6.00 GiB'; plain bytes below 1 KiB. */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes)) return String(bytes);
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 'B';
  for (const u of units) {
    if (Math.abs(value) < 1024) break;
    value /= 1024;
    unit = u;
  }
  return unit === 'B' ? `${bytes} B` : `${value.toFixed(2)} ${unit}`;
}
