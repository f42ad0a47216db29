import { describe, expect, it } from 'vitest';
import { defaultSettings } from '../settings/settings';
import { compareReports } from './compare';
import { buildReport, parseReport, REPORT_VERSION, serializeReport, V1_GUARD_NOTE } from './report';

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
const perplexity = {
  trainedWindowTokens: 256,
  tokenBudget: 2048,
  curves: [{ method: 'yarn', variant: 'ptq' as const, contextTokens: [64, 1024], perplexity: [3.5, 4.25] }],
};
const search = { candidates: [{ bandIndex: 1, scale: 1.25, objective: 1.4, guard: 1.2, rejected: true, elapsedMs: 5 }], chosenScales: [1, 0.9] };

function sample(settings = defaultSettings()) {
  return buildReport({ settings, model, device: 'wasm, 2 threads', pressure, perplexity, search, createdAt: new Date('2026-01-02T03:04:05Z') });
}

describe('run report', () => {
  it('keeps the FP + Q-ROAR control curves and the per-position gaps in optional fields an older reader ignores', () => {
    const control = { method: 'yarn', variant: 'fp+qroar' as const, contextTokens: [64, 1024], perplexity: [3.4, 4.0] };
    const positionGaps = [
      { method: 'yarn', stage: 'before' as const, windowTokens: 1024, binLo: [1, 2], binHi: [2, 3], centreTokens: [1, 1.41], nllGapNats: [0.01, 0.02] },
    ];
    const report = buildReport({
      settings: defaultSettings(),
      model,
      device: null,
      pressure: null,
      perplexity: { ...perplexity, curves: [...perplexity.curves, control], positionGaps },
      search: null,
      createdAt: new Date(0),
    });
    // Written apart from `curves`, whose variants a reader from before the control checks.
    expect(report.perplexity?.curves.map((c) => c.variant)).toEqual(['ptq']);
    expect(report.perplexity?.controlCurves?.map((c) => c.variant)).toEqual(['fp+qroar']);
    const back = parseReport(serializeReport(report)).report;
    expect(back.perplexity?.curves.map((c) => c.variant)).toEqual(['ptq', 'fp+qroar']);
    expect(back.perplexity?.positionGaps?.[0].nllGapNats).toEqual([0.01, 0.02]);
    const bad = JSON.parse(serializeReport(report));
    bad.perplexity.positionGaps[0].binHi = [2];
    expect(() => parseReport(JSON.stringify(bad))).toThrow(/perplexity.positionGaps\[0\].binHi has a different length/);
    bad.perplexity.controlCurves[0].variant = 'ptq';
    expect(() => parseReport(JSON.stringify(bad))).toThrow(/perplexity.controlCurves\[0\].variant is "ptq"/);
  });

  it('round-trips every number and the settings', () => {
    const s = { ...defaultSettings(), pi: { ...defaultSettings().pi, method: 'ntk' as const } };
    const { report, settings } = parseReport(serializeReport(sample(s)));
    expect(settings).toEqual(s);
    expect(report.pressure?.ipPerPair).toEqual([0, 1]);
    expect(report.perplexity?.curves[0].perplexity).toEqual([3.5, 4.25]);
    expect(report.search?.candidates[0].rejected).toBe(true);
    expect(report.createdAt).toBe('2026-01-02T03:04:05.000Z');
  });
  it('records the trained window in force and its source (optional: older reports lack it)', () => {
    const trainedWindow = { windowTokens: 512, source: 'override', candidates: [{ source: 'llama.context_length', windowTokens: 2048 }] };
    const s = { ...defaultSettings(), trainedWindowTokens: 512 };
    const text = serializeReport(
      buildReport({ settings: s, model: { ...model, trainedWindow }, device: null, pressure, perplexity, search, createdAt: new Date(0) }),
    );
    const { report, settings } = parseReport(text);
    expect(report.model.trainedWindow).toEqual(trainedWindow);
    expect(settings.trainedWindowTokens).toBe(512);
    const bad = JSON.parse(text);
    bad.model.trainedWindow.windowTokens = 'many';
    expect(() => parseReport(JSON.stringify(bad))).toThrow(/model.trainedWindow.windowTokens must be a finite number/);
    expect(parseReport(serializeReport(sample())).report.model.trainedWindow).toBeUndefined();
  });
  it('names the first bad field of a corrupt file', () => {
    expect(() => parseReport('{"format":')).toThrow(/not a JSON file/);
    expect(() => parseReport('{"format":"other"}')).toThrow(/not a Bandscope report/);
    const r = JSON.parse(serializeReport(sample()));
    r.perplexity.curves[0].perplexity = [1];
    expect(() => parseReport(JSON.stringify(r))).toThrow(/curves\[0\] has 2 contexts/);
    const r2 = JSON.parse(serializeReport(sample()));
    r2.search.candidates[0].scale = 'big';
    expect(() => parseReport(JSON.stringify(r2))).toThrow(/search.candidates\[0\].scale must be a finite number/);
    const r3 = JSON.parse(serializeReport(sample()));
    r3.settingsQuery = 'pi=warp';
    expect(() => parseReport(JSON.stringify(r3))).toThrow(/pi=warp/);
  });
  it('opens an older supported version with a note, refuses a newer or unknown one with the versions it reads', () => {
    expect(REPORT_VERSION).toBe(2);
    const current = parseReport(serializeReport(sample()));
    expect(current.report.version).toBe(2);
    expect(current.notes).toEqual([]);
    const v1 = JSON.parse(serializeReport(sample()));
    v1.version = 1;
    const old = parseReport(JSON.stringify(v1));
    expect(old.report.search?.chosenScales).toEqual([1, 0.9]);
    expect(old.notes).toEqual([V1_GUARD_NOTE]);
    const v3 = { ...v1, version: 3 };
    expect(() => parseReport(JSON.stringify(v3))).toThrow(
      'it was written by a newer Bandscope (report version 3) and this dashboard reads report versions 1 to 2; open it with a newer dashboard',
    );
    for (const version of [0, 1.5, '2', null]) {
      expect(() => parseReport(JSON.stringify({ ...v1, version }))).toThrow(/is not one Bandscope ever wrote \(this dashboard reads report versions 1 to 2\)/);
    }
    const { version: _v, ...noVersion } = v1;
    expect(() => parseReport(JSON.stringify(noVersion))).toThrow(/report version null is not one/);
  });
  it('compare lists differing settings and shared perplexity points', () => {
    const left = sample();
    const right = sample({ ...defaultSettings(), targetContextTokens: 4096 });
    right.perplexity = { ...perplexity, curves: [{ ...perplexity.curves[0], contextTokens: [64, 2048], perplexity: [3.4, 5] }] };
    const d = compareReports(left, right);
    expect(d.settings).toEqual([['ctx', '', '4096']]);
    expect(d.sameModel).toBe(true);
    expect(d.perplexity).toEqual([{ method: 'yarn', variant: 'ptq', contextTokens: 64, left: 3.5, right: 3.4 }]);
  });
});
