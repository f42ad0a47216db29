import { describe, expect, it } from 'vitest';
import { defaultSettings } from '../settings/settings';
import type { SearchRunResult } from '../scenario/search';
import { buildReport, parseReport, serializeReport } from './report';
import { contextPenalty } from '../qroar/penalty';
import { missingOutcomeFields, reportSearchOf } from './searchRecord';

// Hand-built search result: a baseline, one accepted improving candidate, one guard-rejected one.
const result: SearchRunResult = {
  cancelled: false,
  ipPerBand: [0.1, 0.4],
  tirPerBand: null,
  windows: 2,
  guardWindows: 8,
  guardTolerance: 0.005,
  firstPass: null,
  bandOrder: [1, 0],
  grid: [0.8, 1, 1.25],
  candidates: [
    {
      index: 0,
      sweep: 0,
      bandIndex: null,
      scale: 1,
      scales: [1, 1],
      objective: 2,
      guard: 1.5,
      accepted: true,
      improved: true,
      elapsedMs: 10,
      sinceStartMs: 10,
    },
    {
      index: 1,
      sweep: 1,
      bandIndex: 1,
      scale: 0.8,
      scales: [1, 0.8],
      objective: 1.9,
      guard: 1.5,
      accepted: true,
      improved: true,
      elapsedMs: 11,
      sinceStartMs: 21,
      vsBaseline: { meanNats: -0.1, standardErrorNats: Number.NaN, windows: 1 },
    },
    {
      index: 2,
      sweep: 1,
      bandIndex: 1,
      scale: 1.25,
      scales: [1, 1.25],
      objective: 1.8,
      guard: 9,
      accepted: false,
      improved: false,
      rejectedReason: 'guard',
      elapsedMs: 12,
      sinceStartMs: 33,
    },
  ],
  chosenScales: [1, 0.8],
  baseline: { objective: 2, guard: 1.5 },
  best: { objective: 1.9, guard: 1.5 },
  dev: { contextTokens: [256, 1024], before: [5, 7], after: [5, 6.5] },
  test: { contextTokens: [256, 1024], before: [5.1, 7.2], after: [5.1, 6.6] },
  shortContext: { contextTokens: 256, beforeNll: 1.5, afterNll: 1.5, withinGuard: true },
  seconds: 3,
  noOpReason: null,
  noise: { sigmas: 2, floatToleranceNats: 1e-5 },
  window: { lo: 0.8, hi: 1.25, pointCount: 3 },
  edgeHits: [{ bandIndex: 1, scale: 0.8, edge: 'lo' }],
  widenTo: { lo: 0.64, hi: 1.25, pointCount: 4 },
  devChange: { meanNats: -0.1, standardErrorNats: 0.01, windows: 2 },
  control: { contextTokens: [256, 1024], before: [4.9, 6.9], after: [4.9, 6.5] },
  // One test window at 256 (SE unknown → NaN → null in JSON), two at 1024.
  penalty: [
    contextPenalty({ contextTokens: 256, ptqBefore: [1.63], ptqAfter: [1.63], fpBefore: [1.59], fpAfter: [1.59] }),
    contextPenalty({ contextTokens: 1024, ptqBefore: [2.0, 1.9], ptqAfter: [1.9, 1.8], fpBefore: [1.9, 1.9], fpAfter: [1.85, 1.76] }),
  ],
  testWindows: 2,
};
const bands = [
  { bandIndex: 0, firstPair: 0, lastPair: 15, label: '0-15' },
  { bandIndex: 1, firstPair: 16, lastPair: 31, label: '16-31' },
];
const run = { variant: 'shared' as const, bands, contextTokens: 1024, shortContextTokens: 256 };
const model = { id: 'builtin', label: 'b', identity: 'abc', weightsSizeBytes: 1 };

describe('report search record', () => {
  it('maps the baseline to band −1 and rejected candidates, and round-trips through the report', () => {
    const search = reportSearchOf(result, run);
    expect(search.candidates.map((c) => [c.bandIndex, c.rejected])).toEqual([
      [-1, false],
      [1, false],
      [1, true],
    ]);
    expect(search.candidates.map((c) => c.withinNoise)).toEqual([false, false, false]);
    expect(search.candidates[1]).toMatchObject({ vsBaselineNats: -0.1, vsBaselineSeNats: null });
    expect(search.chosenScales).toEqual([1, 0.8]);
    const report = buildReport({ settings: defaultSettings(), model, device: null, pressure: null, perplexity: null, search, createdAt: new Date(0) });
    const back = parseReport(serializeReport(report)).report;
    expect(back.search?.run?.test?.after).toEqual([5.1, 6.6]);
    expect(back.search?.run?.candidateScales[2]).toEqual([1, 1.25]);
    const p = back.search!.run!.penalty!;
    expect(p[0].ptqChange.standardErrorNats).toBeNaN();
    // penalty before 0.1, 0.0; after 0.05, 0.04 → change −0.05, +0.04, mean −0.005.
    expect(p[1].penaltyChange.meanNats).toBeCloseTo(-0.005, 12);
    expect(back.search?.run?.edgeHits).toEqual([{ bandIndex: 1, scale: 0.8, edge: 'lo' }]);
    expect(back.search?.run?.control?.after).toEqual([4.9, 6.5]);
    expect(missingOutcomeFields(back.search!.run!)).toEqual([]);
    // 1024: gap 0.05, PTQ gain 0.1 → 2× the gap closed; FP gain 0.095 → 95 % of it: not specific.
    expect(p[1].shares?.gapClosedShare).toBeCloseTo(2, 12);
    expect(p[1].shares?.fpShareOfGain).toBeCloseTo(0.95, 12);
    expect(p[1].shares?.notQuantizationSpecific).toBe(true);
    // 256: no gain → the FP share is undefined, written as null and read back as null.
    expect(p[0].shares?.fpShareOfGain).toBeNull();
  });

  it('refuses malformed control shares, naming the field', () => {
    const report = buildReport({
      settings: defaultSettings(),
      model,
      device: null,
      pressure: null,
      perplexity: null,
      search: reportSearchOf(result, run),
      createdAt: new Date(0),
    });
    const bad = JSON.parse(serializeReport(report));
    bad.search.run.penalty[1].shares.gapClosedShare = 'most';
    expect(() => parseReport(JSON.stringify(bad))).toThrow(/search.run.penalty\[1\].shares must hold/);
  });

  it('opens a report saved before the noise/penalty fields and says what it lacks', () => {
    const report = buildReport({
      settings: defaultSettings(),
      model,
      device: null,
      pressure: null,
      perplexity: null,
      search: reportSearchOf(result, run),
      createdAt: new Date(0),
    });
    const old = JSON.parse(serializeReport(report));
    for (const k of ['noOpReason', 'noise', 'window', 'edgeHits', 'widenTo', 'devChange', 'control', 'penalty', 'testWindows']) delete old.search.run[k];
    const back = parseReport(JSON.stringify(old)).report;
    expect(back.search?.run?.test?.after).toEqual([5.1, 6.6]);
    expect(missingOutcomeFields(back.search!.run!)).toEqual([
      'the noise test (changes without standard errors)',
      'the FP control and the quantization penalty',
      'the grid-edge check',
    ]);
    old.search.run.penalty = [{ contextTokens: 256 }];
    expect(() => parseReport(JSON.stringify(old))).toThrow(/search.run.penalty\[0\]/);
  });

  it('keeps no chosen scales for a cancelled search', () => {
    expect(reportSearchOf({ ...result, cancelled: true, dev: null, test: null, shortContext: null }, run).chosenScales).toBeNull();
  });

  it('names the bad field of a corrupt search run', () => {
    const report = buildReport({
      settings: defaultSettings(),
      model,
      device: null,
      pressure: null,
      perplexity: null,
      search: reportSearchOf(result, run),
      createdAt: new Date(0),
    });
    const bad = JSON.parse(serializeReport(report));
    bad.search.run.test.after = [1];
    expect(() => parseReport(JSON.stringify(bad))).toThrow(/search.run.test has 2 contexts/);
    bad.search.run.candidateScales = [];
    expect(() => parseReport(JSON.stringify(bad))).toThrow(/candidateScales/);
  });
});
