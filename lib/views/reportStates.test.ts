import { describe, expect, it } from 'vitest';
import { buildReport } from '../report/report';
import type { RopeConfig } from '../rope/types';
import { pressureChartData } from '../scenario/pressure';
import { defaultSettings } from '../settings/settings';
import { NOT_IN_REPORT_HINT } from './chartState';
import { reportChartStates } from './reportStates';

const builtin: RopeConfig = { type: 'default', thetaBase: 10000, headDim: 64, rotaryDim: 64, maxPositionEmbeddings: 256 };
const model = { id: 'builtin:x', label: 'x', identity: 'ab'.repeat(32), weightsSizeBytes: 100 };
const report = (full: boolean) =>
  buildReport({
    settings: defaultSettings(),
    model,
    device: 'wasm',
    pressure: full ? pressureChartData(builtin, defaultSettings()) : null,
    perplexity: full
      ? { curves: [{ method: 'yarn', variant: 'fp', contextTokens: [128, 512], perplexity: [3, 4] }], trainedWindowTokens: 256, tokenBudget: 2048 }
      : null,
    search: full ? { candidates: [{ bandIndex: 1, scale: 1.25, objective: 1.4, guard: 1.2, rejected: false, elapsedMs: 5 }], chosenScales: null } : null,
    createdAt: new Date('2026-01-02T03:04:05Z'),
  });

describe('report chart states (compare view)', () => {
  it('a report with every section: all charts ready, search candidates included', () => {
    const s = reportChartStates(report(true), { dark: false });
    expect(s.map((c) => [c.id, c.state.status])).toEqual([
      ['pressure-band', 'ready'],
      ['pressure-pair', 'ready'],
      ['ppl-context', 'ready'],
      ['search-candidates', 'ready'],
    ]);
  });
  it('an empty report: the one "not in this report" state, no search chart', () => {
    const s = reportChartStates(report(false), { dark: false });
    expect(s.map((c) => c.id)).toEqual(['pressure-band', 'pressure-pair', 'ppl-context']);
    expect(s.every((c) => c.state.status === 'error' && c.state.hint === NOT_IN_REPORT_HINT && c.state.message.startsWith('This report holds no '))).toBe(true);
  });
});
