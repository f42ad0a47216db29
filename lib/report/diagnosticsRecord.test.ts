import { describe, expect, it } from 'vitest';
import type { DiagnosticsResult } from '../scenario/diagnosticsCompute';
import { defaultSettings } from '../settings/settings';
import { reviveDiagnostics } from './diagnosticsRecord';
import { buildReport, parseReport, serializeReport } from './report';

const bands = [
  { bandIndex: 0, firstPair: 0, lastPair: 0, label: 'B0' },
  { bandIndex: 1, firstPair: 1, lastPair: 1, label: 'B1' },
];
const tir = (tensor: 'q-pre' | 'k-pre' | 'q-post' | 'k-post') => ({
  tensor,
  quantile: 0.999,
  layers: [0],
  bands,
  tirLayerBand: [1.5, Number.NaN],
  tirLayerPair: [1.5, Number.POSITIVE_INFINITY],
  pairCount: 2,
});
const le = (axis: 'distance' | 'query') => ({
  axis,
  binCentres: [1, 3],
  bands,
  rmsPerBand: [
    [0.1, 0.2],
    [0.3, 0.4],
  ],
  rmsTotal: [0.5, 0.6],
  p99Total: [0.9, 1],
  trainedWindowTokens: 8,
});
const diagnostics: DiagnosticsResult = {
  tir: { 'q-pre': tir('q-pre'), 'k-pre': tir('k-pre'), 'q-post': tir('q-post'), 'k-post': tir('k-post') },
  logitErrorDistance: le('distance'),
  logitErrorQuery: le('query'),
  kl: { contextTokens: 3, positions: [0, 1, 2], klNats: [0, 0.01, 0.02], trainedWindowTokens: 8 },
  activationIp: { layers: [0], bands, ipLayerBand: [0.2, 0.4], contextTokens: 16 },
  longTokens: 16,
  shortTokens: 8,
  pairCount: 40,
  seed: 1,
};

function report(d: DiagnosticsResult | null) {
  return buildReport({
    settings: defaultSettings(),
    model: { id: 'builtin', label: 'm', identity: 'abc', weightsSizeBytes: null },
    device: null,
    pressure: null,
    perplexity: null,
    search: null,
    diagnostics: d,
    createdAt: new Date(0),
  });
}

describe('report diagnostics', () => {
  it('keeps the noise floor when measured, and opens reports without it', () => {
    const withFloor: DiagnosticsResult = {
      ...diagnostics,
      logitErrorDistance: { ...le('distance'), noiseFloorRmsTotal: [0.001, 0.002] },
      kl: { ...diagnostics.kl!, noiseFloorKlNats: [0, 1e-8, 2e-8] },
    };
    const back = parseReport(serializeReport(report(withFloor))).report.diagnostics!;
    expect(back.logitErrorDistance?.noiseFloorRmsTotal).toEqual([0.001, 0.002]);
    expect(back.logitErrorQuery?.noiseFloorRmsTotal).toBeUndefined();
    expect(back.kl?.noiseFloorKlNats).toEqual([0, 1e-8, 2e-8]);
    const bad = JSON.parse(serializeReport(report(withFloor)));
    bad.diagnostics.kl.noiseFloorKlNats = [1];
    expect(() => parseReport(JSON.stringify(bad))).toThrow(/diagnostics.kl.noiseFloorKlNats has 1 values, expected 3/);
  });

  it('round-trips through JSON; NaN and ∞ come back as NaN gaps', () => {
    const { report: back } = parseReport(serializeReport(report(diagnostics)));
    const d = back.diagnostics;
    expect(d?.tir['k-post'].tirLayerBand[0]).toBe(1.5);
    expect(d?.tir['k-post'].tirLayerBand[1]).toBeNaN();
    expect(d?.tir['q-pre'].tirLayerPair[1]).toBeNaN();
    expect(d?.logitErrorQuery?.rmsPerBand).toEqual([
      [0.1, 0.2],
      [0.3, 0.4],
    ]);
    expect(d?.kl?.klNats).toEqual([0, 0.01, 0.02]);
    expect(d?.activationIp?.ipLayerBand).toEqual([0.2, 0.4]);
  });

  it('reads reports without diagnostics (null or absent)', () => {
    expect(parseReport(serializeReport(report(null))).report.diagnostics).toBeNull();
    const old = JSON.parse(serializeReport(report(null)));
    delete old.diagnostics;
    expect(parseReport(JSON.stringify(old)).report.diagnostics).toBeUndefined();
  });

  it('names the bad field of a corrupt diagnostics block', () => {
    const bad = JSON.parse(serializeReport(report(diagnostics)));
    bad.diagnostics.tir['q-post'].tirLayerBand = [1];
    expect(() => parseReport(JSON.stringify(bad))).toThrow(/diagnostics\.tir\.q-post\.tirLayerBand has 1 values, expected 2/);
    expect(() => reviveDiagnostics(JSON.parse(JSON.stringify({ ...diagnostics, logitErrorQuery: { ...le('query'), axis: 'time' } })))).toThrow(
      /logitErrorQuery\.axis/,
    );
  });
});
