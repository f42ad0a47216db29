import { describe, expect, it } from 'vitest';
import { evalOutcome, lastLine, type ChildResult } from './childRun';
import { formatScaleTable, GB, rowCells, rssTargetBytes, TABLE_HEADER, type ScaleRow } from './table';

const REFUSAL = "bandscope: eval at 512 tokens cannot run: one ONNX protobuf cannot exceed 2 GiB, and today's engine puts every weight in one graph: 4.60 GiB of weights";

const okRow: ScaleRow = {
  quant: 'rtn:w4g32a',
  contextTokens: 512,
  // 512 tokens in 16 s of wall = 32 tok/s; torch 512 in 64 s = 8 tok/s → ratio 4.
  ours: { kind: 'ok', wallSeconds: 16, forwardTokensPerSecond: 250, peakRssBytes: 2.5 * GB, nll: 11.76543 },
  torch: { kind: 'ok', wallSeconds: 64, forwardTokensPerSecond: 125, meanNll: 11.76548 },
  targetRssBytes: 3 * GB,
};

describe('rowCells', () => {
  it('gives wall and forward tokens/s, their ratios, RSS against the target and |ΔNLL|', () => {
    expect(rowCells(okRow)).toEqual(['rtn:w4g32a', '512', '32.0 (250)', '8.00 (125)', '4.00 (2.00)', '2.50 (< 3: met)', '11.765430', '11.765480', '5.0e-5']);
  });

  it('records a refusal as `refused: <line>` and leaves the comparison empty', () => {
    const cells = rowCells({ ...okRow, quant: 'none', ours: { kind: 'refused', line: REFUSAL, wallSeconds: 1.5, peakRssBytes: 0.15 * GB }, targetRssBytes: 4 * GB });
    expect(cells[0]).toBe('FP (BF16→f32)');
    expect(cells[2]).toBe(`refused: ${REFUSAL}`);
    expect(cells[4]).toBe('—');
    expect(cells[5]).toBe('0.15 (no run: target n/a)');
    expect(cells[8]).toBe('—');
  });

  it('says NOT met above the target and shows a skipped torch run with its reason', () => {
    const cells = rowCells({ ...okRow, ours: { ...okRow.ours, peakRssBytes: 3.2 * GB } as ScaleRow['ours'], torch: { kind: 'skipped', reason: '/usr/bin/python3 has no torch' } });
    expect(cells[3]).toBe('skipped: /usr/bin/python3 has no torch');
    expect(cells[5]).toBe('3.20 (< 3: NOT met)');
    expect(cells[8]).toBe('—');
  });
});

describe('formatScaleTable', () => {
  it('is a Markdown table with one line per row, columns aligned', () => {
    const text = formatScaleTable([okRow, { ...okRow, contextTokens: 2048, targetRssBytes: null }]);
    const lines = text.split('\n');
    expect(lines).toHaveLength(4);
    expect(lines[0].startsWith(`| ${TABLE_HEADER[0]}`)).toBe(true);
    expect(new Set(lines.map((l) => l.length)).size).toBe(1);
    expect(lines[3]).toContain('| 2.50 ');
    const refused = formatScaleTable([{ ...okRow, ours: { kind: 'refused', line: 'bad a|b', wallSeconds: 1, peakRssBytes: 1 } }]);
    expect(refused).toContain('refused: bad a\\|b');
  });
});

describe('rssTargetBytes', () => {
  it('is issue #11: FP < 4 GB, w4 at 512 < 3 GB, none stated otherwise', () => {
    expect(rssTargetBytes('none', 2048)).toBe(4e9);
    expect(rssTargetBytes('rtn:w4g32a', 512)).toBe(3e9);
    expect(rssTargetBytes('rtn:w4g32a', 2048)).toBeNull();
  });
});

describe('evalOutcome', () => {
  const child = (over: Partial<ChildResult>): ChildResult => ({ exitCode: 0, signal: null, stdout: '', stderr: '', wallSeconds: 3, peakRssBytes: 1e8, ...over });
  it('reads contexts[0] of a successful --json run', () => {
    expect(evalOutcome(child({ stdout: '{"contexts":[{"context":512,"nll":11.7,"tokensPerSecond":99}]}\n' }))).toEqual({ kind: 'ok', nll: 11.7, forwardTokensPerSecond: 99, wallSeconds: 3, peakRssBytes: 1e8 });
  });
  it('turns exit 2 into a refusal carrying the one stderr line', () => {
    expect(evalOutcome(child({ exitCode: 2, stderr: `${REFUSAL}\n` }))).toMatchObject({ kind: 'refused', line: REFUSAL });
  });
  it('turns a crash or a kill into a failure, not a refusal', () => {
    expect(evalOutcome(child({ exitCode: 1, stderr: 'bandscope: internal error: boom\n' }))).toMatchObject({ kind: 'failed', exitCode: 1, line: 'bandscope: internal error: boom' });
    expect(evalOutcome(child({ exitCode: null, signal: 'SIGKILL' }))).toMatchObject({ kind: 'failed', line: 'killed by SIGKILL' });
    expect(evalOutcome(child({ stdout: 'not json' }))).toMatchObject({ kind: 'failed', exitCode: 0 });
  });
  it('lastLine skips trailing blank lines', () => {
    expect(lastLine('a\nb\n\n  \n')).toBe('b');
  });
});
