import { describe, expect, it } from 'vitest';
import { defaultSettings } from '../settings/settings';
import { compareReports } from './compare';
import { buildReport } from './report';
import { pplDeltaRows, reportChartData, reportFactRows } from './reportViews';
import type { RunReport } from './report';

const model = { id: 'builtin:x', label: 'x', identity: 'ab'.repeat(32), weightsSizeBytes: 100 };
const pressure = {
  method: 'yarn',
  ipPerPair: Float64Array.from([0, 1]),
  displacementTurnsPerPair: Float64Array.from([0, 2]),
  interpolatedFractionPerPair: Float64Array.from([0, 1]),
  wavelengthTokens: Float64Array.from([6.28, 628]),
  trainedWindowTokens: 256,
  targetWindowTokens: 1024,
  bands: [
    { bandIndex: 0, firstPair: 0, lastPair: 0, label: 'B0' },
    { bandIndex: 1, firstPair: 1, lastPair: 1, label: 'B1' },
  ],
  ipPerBand: Float64Array.from([0, 1]),
  displacementTurnsPerBand: Float64Array.from([0, 2]),
};
const curve = (method: string, variant: 'fp' | 'ptq', contextTokens: number[], perplexity: number[]) => ({ method, variant, contextTokens, perplexity });

function report(curves: ReturnType<typeof curve>[], withPressure = true, device: string | null = 'wasm') {
  return buildReport({
    settings: defaultSettings(),
    model,
    device,
    pressure: withPressure ? pressure : null,
    perplexity: curves.length ? { curves, trainedWindowTokens: 256, tokenBudget: 2048 } : null,
    search: { candidates: [{ bandIndex: 1, scale: 1.25, objective: 1.4, guard: 1.2, rejected: false, elapsedMs: 5 }], chosenScales: null },
    createdAt: new Date('2026-01-02T03:04:05Z'),
  });
}

describe('report views', () => {
  it('takes chart data from the report as stored, and says when a section is absent', () => {
    const d = reportChartData(report([curve('yarn', 'fp', [64, 1024], [3, 4])]));
    expect(d.pressure?.ipPerBand).toEqual([0, 1]);
    expect(d.perplexity).toEqual({ curves: [curve('yarn', 'fp', [64, 1024], [3, 4])], trainedWindowTokens: 256 });
    expect(d.search?.bands.map((b) => b.label)).toEqual(['B0', 'B1']);
    const empty = reportChartData(report([], false));
    expect(empty).toEqual({ pressure: null, perplexity: null, search: null });
  });
  it('deltas are right − left, relative to left, sorted by method, variant, context', () => {
    const left = report([curve('yarn', 'ptq', [1024, 64], [8, 4]), curve('linear', 'fp', [64], [2])]);
    const right = report([curve('yarn', 'ptq', [64, 1024], [5, 6]), curve('linear', 'fp', [64], [0])]);
    const rows = pplDeltaRows(compareReports(left, right));
    expect(rows.map((r) => [r.method, r.contextTokens, r.delta])).toEqual([
      ['linear', 64, -2],
      ['yarn', 64, 1],
      ['yarn', 1024, -2],
    ]);
    expect(rows[1].relative).toBeCloseTo(0.25, 12);
    expect(rows[2].relative).toBeCloseTo(-0.25, 12);
  });
  it('relative delta is NaN, not a number made up, when the left value is 0', () => {
    const rows = pplDeltaRows(compareReports(report([curve('a', 'fp', [64], [0])]), report([curve('a', 'fp', [64], [1])])));
    expect(rows[0].delta).toBe(1);
    expect(Number.isNaN(rows[0].relative)).toBe(true);
  });
  it('fact rows flag what differs', () => {
    const rows = reportFactRows(report([], true, 'wasm'), report([], true, null));
    expect(rows.find((r) => r.label === 'Device')).toEqual({ label: 'Device', left: 'wasm', right: 'not recorded', differs: true });
    expect(rows.find((r) => r.label === 'Model')?.differs).toBe(false);
    const withDiagnostics = {
      ...report([], true, null),
      diagnostics: {
        tir: {},
        logitErrorDistance: null,
        logitErrorQuery: null,
        kl: null,
        activationIp: null,
        longTokens: 512,
        shortTokens: 256,
        pairCount: 4,
        seed: 1,
      },
    } as unknown as RunReport;
    expect(reportFactRows(report([], true, null), withDiagnostics).find((r) => r.label === 'Diagnostics')).toEqual({
      label: 'Diagnostics',
      left: 'none',
      right: 'TIR at 512 tokens',
      differs: true,
    });
  });
});
