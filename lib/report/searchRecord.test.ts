import { describe, expect, it } from 'vitest';
import { defaultSettings } from '../settings/settings';
import type { SearchRunResult } from '../run/searchRun';
import { buildReport, parseReport, serializeReport } from './report';
import { reportSearchOf } from './searchRecord';

// Hand-built search result: a baseline, one accepted improving candidate, one guard-rejected one.
const result: SearchRunResult = {
  cancelled: false,
  bandOrder: [1, 0],
  grid: [0.8, 1, 1.25],
  candidates: [
    { index: 0, sweep: 0, bandIndex: null, scale: 1, scales: [1, 1], objective: 2, guard: 1.5, accepted: true, improved: true, elapsedMs: 10, sinceStartMs: 10 },
    { index: 1, sweep: 1, bandIndex: 1, scale: 0.8, scales: [1, 0.8], objective: 1.9, guard: 1.5, accepted: true, improved: true, elapsedMs: 11, sinceStartMs: 21 },
    { index: 2, sweep: 1, bandIndex: 1, scale: 1.25, scales: [1, 1.25], objective: 1.8, guard: 9, accepted: false, improved: false, rejectedReason: 'guard', elapsedMs: 12, sinceStartMs: 33 },
  ],
  chosenScales: [1, 0.8],
  baseline: { objective: 2, guard: 1.5 },
  best: { objective: 1.9, guard: 1.5 },
  dev: { contextTokens: [256, 1024], before: [5, 7], after: [5, 6.5] },
  test: { contextTokens: [256, 1024], before: [5.1, 7.2], after: [5.1, 6.6] },
  shortContext: { contextTokens: 256, beforeNll: 1.5, afterNll: 1.5, withinGuard: true },
  seconds: 3,
};
const bands = [
  { bandIndex: 0, firstPair: 0, lastPair: 15, label: '0-15' },
  { bandIndex: 1, firstPair: 16, lastPair: 31, label: '16-31' },
];
const run = { variant: 'shared' as const, bands, guardTolerance: 0.005, contextTokens: 1024, shortContextTokens: 256, windows: 2 };
const model = { id: 'builtin', label: 'b', identity: 'abc', weightsSizeBytes: 1 };

describe('report search record', () => {
  it('maps the baseline to band −1 and rejected candidates, and round-trips through the report', () => {
    const search = reportSearchOf(result, run);
    expect(search.candidates.map((c) => [c.bandIndex, c.rejected])).toEqual([[-1, false], [1, false], [1, true]]);
    expect(search.chosenScales).toEqual([1, 0.8]);
    const report = buildReport({ settings: defaultSettings(), model, device: null, pressure: null, perplexity: null, search, createdAt: new Date(0) });
    const back = parseReport(serializeReport(report)).report;
    expect(back.search?.run?.test?.after).toEqual([5.1, 6.6]);
    expect(back.search?.run?.candidateScales[2]).toEqual([1, 1.25]);
  });

  it('keeps no chosen scales for a cancelled search', () => {
    expect(reportSearchOf({ ...result, cancelled: true, dev: null, test: null, shortContext: null }, run).chosenScales).toBeNull();
  });

  it('names the bad field of a corrupt search run', () => {
    const report = buildReport({ settings: defaultSettings(), model, device: null, pressure: null, perplexity: null, search: reportSearchOf(result, run), createdAt: new Date(0) });
    const bad = JSON.parse(serializeReport(report));
    bad.search.run.test.after = [1];
    expect(() => parseReport(JSON.stringify(bad))).toThrow(/search.run.test has 2 contexts/);
    bad.search.run.candidateScales = [];
    expect(() => parseReport(JSON.stringify(bad))).toThrow(/candidateScales/);
  });
});
