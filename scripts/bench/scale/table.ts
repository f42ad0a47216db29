/**
 * The rows `npm run bench:scale` measures and the side-by-side table it prints (ours = `bandscope
 * eval` as a child process, torch = scripts/bench/scale/torch_reference.py as a child process).
 */

/** One child-process run of `bandscope eval` on one window. */
export type OursRun =
  | {
      kind: 'ok';
      /** Spawn to exit, seconds: model open, weight assembly, graph build and the forward pass. */
      wallSeconds: number;
      /** eval's own contexts[].tokensPerSecond: the forward pass alone. */
      forwardTokensPerSecond: number;
      /** Largest summed VmRSS of the process tree, bytes (sampled every ~100 ms). */
      peakRssBytes: number;
      /** Mean NLL over the window's C − 1 predictions, nats. */
      nll: number;
    }
  /** eval exited 2 with one line on stderr (e.g. the memory/protobuf budget refusal). */
  | { kind: 'refused'; line: string; wallSeconds: number; peakRssBytes: number }
  /** Anything else (a crash, a signal): the last stderr line and the exit status. */
  | { kind: 'failed'; line: string; exitCode: number | null; wallSeconds: number; peakRssBytes: number };

/** One child-process run of the PyTorch reference on the same ids, or why it did not run. */
export type TorchRun =
  | { kind: 'ok'; wallSeconds: number; forwardTokensPerSecond: number; meanNll: number }
  | { kind: 'skipped'; reason: string };

export interface ScaleRow {
  /** eval's --quant: 'none' or 'rtn:w4g32a'. */
  quant: string;
  contextTokens: number;
  ours: OursRun;
  torch: TorchRun;
  /** Issue #11 target for the peak RSS of our run, bytes (FP < 4 GB, w4 at 512 < 3 GB), or null when none is set. */
  targetRssBytes: number | null;
}

/** GB as 10⁹ bytes: the stricter reading of "< 3 GB" (3 GiB would allow 3.22·10⁹). */
export const GB = 1e9;

/** The issue #11 peak-RSS target for a run, bytes: FP any context < 4 GB, w4g32a at 512 < 3 GB; null where none is stated. */
export function rssTargetBytes(quant: string, contextTokens: number): number | null {
  if (quant === 'none') return 4 * GB;
  if (quant.startsWith('rtn:w4') && contextTokens === 512) return 3 * GB;
  return null;
}

/** Tokens per second of a whole run: context tokens over wall seconds. */
export function wallTokensPerSecond(contextTokens: number, wallSeconds: number): number {
  return wallSeconds > 0 ? contextTokens / wallSeconds : 0;
}

const fixed = (x: number, digits: number): string => (Number.isFinite(x) ? x.toFixed(digits) : String(x));
const rate = (x: number): string => (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2));

/** Table cells of one row, in the column order of TABLE_HEADER. */
export function rowCells(row: ScaleRow): string[] {
  const { ours, torch, contextTokens: c } = row;
  const precision = row.quant === 'none' ? 'FP (BF16→f32)' : row.quant;
  // A refused or failed run loaded no model, so its RSS says nothing about the target.
  const verdict = ours.kind !== 'ok' ? ' (no run: target n/a)' : row.targetRssBytes === null ? '' : ` (< ${fixed(row.targetRssBytes / GB, 0)}: ${ours.peakRssBytes < row.targetRssBytes ? 'met' : 'NOT met'})`;
  const rss = `${fixed(ours.peakRssBytes / GB, 2)}${verdict}`;
  const torchRate = torch.kind === 'ok' ? `${rate(wallTokensPerSecond(c, torch.wallSeconds))} (${rate(torch.forwardTokensPerSecond)})` : `skipped: ${torch.reason}`;
  const torchNll = torch.kind === 'ok' ? fixed(torch.meanNll, 6) : '—';
  if (ours.kind !== 'ok') {
    const what = ours.kind === 'refused' ? `refused: ${ours.line}` : `failed (exit ${ours.exitCode ?? 'signal'}): ${ours.line}`;
    return [precision, String(c), what, torchRate, '—', rss, '—', torchNll, '—'];
  }
  const oursWall = wallTokensPerSecond(c, ours.wallSeconds);
  const ratio = torch.kind === 'ok' ? `${fixed(oursWall / wallTokensPerSecond(c, torch.wallSeconds), 2)} (${fixed(ours.forwardTokensPerSecond / torch.forwardTokensPerSecond, 2)})` : '—';
  const delta = torch.kind === 'ok' ? Math.abs(ours.nll - torch.meanNll).toExponential(1) : '—';
  return [precision, String(c), `${rate(oursWall)} (${rate(ours.forwardTokensPerSecond)})`, torchRate, ratio, rss, fixed(ours.nll, 6), torchNll, delta];
}

export const TABLE_HEADER = ['precision', 'tokens', 'ours tok/s wall (fwd)', 'torch tok/s wall (fwd)', 'ours/torch', 'our peak RSS GB (target)', 'NLL ours', 'NLL torch', 'ΔNLL (abs)'];

/** A Markdown table (pipes, header rule) of the rows, columns padded to line up in a terminal. */
export function formatScaleTable(rows: readonly ScaleRow[]): string {
  // A '|' inside a cell (an error line may hold one) would split it: escape it as Markdown does.
  const body = rows.map((r) => rowCells(r).map((c) => c.replace(/\|/g, '\\|')));
  const widths = TABLE_HEADER.map((h, i) => Math.max(h.length, ...body.map((r) => r[i].length)));
  const line = (cells: string[]): string => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
  return [line(TABLE_HEADER), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...body.map(line)].join('\n');
}
