import type { ChartTable } from './types';

/** RFC 4180 CSV of a chart table (header row, CRLF line ends, quoted when needed). */
export function tableToCsv(table: ChartTable): string {
  const width = table.columns.length;
  const lines = [table.columns.map(csvCell).join(',')];
  for (let r = 0; r < table.rows.length; r++) {
    const row = table.rows[r];
    if (row.length !== width) throw new Error(`tableToCsv: row ${r} has ${row.length} cells, header has ${width}`);
    lines.push(row.map(csvCell).join(','));
  }
  return lines.join('\r\n') + '\r\n';
}

/** JSON of a chart table: an array of objects keyed by column name. */
export function tableToJson(table: ChartTable): string {
  return JSON.stringify(
    table.rows.map((row) => Object.fromEntries(table.columns.map((c, i) => [c, row[i]]))),
    null,
    1,
  );
}

function csvCell(v: number | string): string {
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : '';
  return /[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}
