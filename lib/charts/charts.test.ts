import { describe, expect, it } from 'vitest';
import { CHART_DEFINITIONS } from './definitions';
import { klOption, klTable, logitErrorOption, logitErrorTable, NOISE_FLOOR_SERIES, pplOption, pplTable } from './curves';
import { pressureBandOption, pressurePairOption, pressurePairTable } from './pressure';
import { ACCEPTED_SYMBOL, REJECTED_SYMBOL, searchOption, searchTable } from './search';
import { LOG_AXIS_SPREAD, resolveAxisScale } from './axisScale';
import { tableToCsv, tableToJson } from './table';
import { tirHeatmapOption, tirPairOption } from './tir';
import type { ChartBand, PressureData, TirData } from './types';

const light = { dark: false };
const bands: ChartBand[] = [
  { bandIndex: 0, firstPair: 0, lastPair: 1, label: 'B0' },
  { bandIndex: 1, firstPair: 2, lastPair: 3, label: 'B1' },
];
// Hand-built: 4 pairs, wavelengths 6.28, 40, 300, 2000 with L = 256 → pair 2 is the first slow pair.
const pressure: PressureData = {
  method: 'yarn',
  ipPerPair: [0, 0.5, 2, 3],
  displacementTurnsPerPair: [0, 0.1, 1, 1.5],
  interpolatedFractionPerPair: [0, 0.25, 1, 1],
  wavelengthTokens: [6.28, 40, 300, 2000],
  trainedWindowTokens: 256,
  targetWindowTokens: 1024,
  bands,
  ipPerBand: [0.25, 2.5],
  displacementTurnsPerBand: [0.05, 1.25],
};

type AnySeries = { name: string; data: unknown[]; markLine?: { data: Array<Record<string, number>> }; markArea?: { data: unknown[] } };
const seriesOf = (o: unknown): AnySeries[] => (o as { series: AnySeries[] }).series;

describe('pressure charts', () => {
  it('marks the first pair longer than the trained window and shades every band', () => {
    const s = seriesOf(pressurePairOption(pressure, light));
    expect(s[0].markLine?.data).toEqual([{ xAxis: 2 }]);
    expect(s[0].markArea?.data).toHaveLength(2);
    // zero IP cannot sit on a log axis: it becomes a gap, not a fabricated value
    expect(s[0].data).toEqual([null, 0.5, 2, 3]);
    expect(s[2].data).toEqual([0, 0.25, 1, 1]);
  });
  it('bars per band and rejects mismatched lengths with the dims', () => {
    const s = seriesOf(pressureBandOption(pressure, light));
    expect((s[0].data as Array<{ value: number }>).map((d) => d.value)).toEqual([0.25, 2.5]);
    expect(() => pressureBandOption({ ...pressure, ipPerBand: [1] }, light)).toThrow(/2 bands but 1 IP/);
    expect(() => pressurePairOption({ ...pressure, wavelengthTokens: [1] }, light)).toThrow(/4 IP values/);
  });
  it('tabulates per pair with the band label', () => {
    const t = pressurePairTable(pressure);
    expect(t.rows[3]).toEqual([3, 'B1', 2000, 3, 1.5, 1]);
  });
});

describe('TIR charts', () => {
  const tir: TirData = {
    tensor: 'k-post',
    quantile: 0.999,
    layers: [0, 5],
    bands,
    tirLayerBand: [1, 2, 0.5, 1],
    tirLayerPair: [1, 1, 2, 2, 1, 1, 0.5, 0.5],
    pairCount: 4,
  };
  it('puts band on x and layer on y with a symmetric log colour range', () => {
    const o = tirHeatmapOption(tir, light) as unknown as { series: Array<{ data: number[][] }>; visualMap: { min: number; max: number } };
    expect(o.series[0].data).toEqual([
      [0, 0, 1],
      [1, 0, 2],
      [0, 1, 0.5],
      [1, 1, 1],
    ]);
    expect(o.visualMap.min).toBeCloseTo(0.5, 12);
    expect(o.visualMap.max).toBeCloseTo(2, 12);
  });
  it('one line per layer per pair', () => {
    const s = seriesOf(tirPairOption(tir, light));
    expect(s.map((x) => x.name)).toEqual(['layer 0', 'layer 5']);
    expect(s[1].data).toEqual([1, 1, 0.5, 0.5]);
    expect(() => tirHeatmapOption({ ...tir, tirLayerBand: [1] }, light)).toThrow(/2×2 = 4 values, got 1/);
  });
});

describe('curves', () => {
  it('logit error: one line per band plus total and p99, window marked', () => {
    const d = {
      binCentres: [1, 4, 16],
      axis: 'distance' as const,
      bands,
      rmsPerBand: [
        [0.1, 0.2, 0.3],
        [0.01, 0.02, 0.5],
      ],
      rmsTotal: [0.11, 0.22, 0.6],
      p99Total: [0.3, 0.5, 1.2],
      trainedWindowTokens: 256,
    };
    const o = logitErrorOption(d, light) as unknown as { xAxis: { type: string }; series: AnySeries[] };
    expect(o.xAxis.type).toBe('log');
    expect(o.series.map((s) => s.name)).toEqual(['B0', 'B1', 'total', 'total p99']);
    expect(o.series[1].data).toEqual([
      [1, 0.01],
      [4, 0.02],
      [16, 0.5],
    ]);
    expect(o.series[2].markLine?.data).toEqual([{ xAxis: 256 }]);
    expect(logitErrorTable(d).columns).toEqual(['distanceTokens', 'rms B0', 'rms B1', 'rmsTotal', 'p99Total']);
  });
  it('perplexity: series named by method and variant', () => {
    const d = {
      trainedWindowTokens: 256,
      curves: [
        { method: 'yarn', variant: 'fp' as const, contextTokens: [64, 256, 1024], perplexity: [3, 2.5, 2.7] },
        { method: 'yarn', variant: 'ptq' as const, contextTokens: [64, 256, 1024], perplexity: [3.2, 2.7, 3.1] },
      ],
    };
    const s = seriesOf(pplOption(d, light));
    expect(s.map((x) => x.name)).toEqual(['yarn FP', 'yarn PTQ']);
    expect(s[1].data).toEqual([
      [64, 3.2],
      [256, 2.7],
      [1024, 3.1],
    ]);
    expect(pplTable(d).rows).toHaveLength(6);
  });
  it('perplexity y-axis: auto goes log past a 3× spread; the choice overrides', () => {
    const flat = { trainedWindowTokens: 256, curves: [{ method: 'yarn', variant: 'fp' as const, contextTokens: [64, 256], perplexity: [4, 11.9] }] };
    const steep = {
      trainedWindowTokens: 256,
      curves: [...flat.curves, { method: 'linear', variant: 'ptq' as const, contextTokens: [64, 256], perplexity: [4.2, 50] }],
    };
    const yOf = (o: unknown) => (o as { yAxis: { type: string; name: string } }).yAxis;
    expect(yOf(pplOption(flat, light)).type).toBe('value'); // 11.9 / 4 < 3
    expect(yOf(pplOption(steep, light))).toMatchObject({ type: 'log', name: 'perplexity (log scale)' }); // 50 / 4 = 12.5
    expect(yOf(pplOption(steep, light, 'linear')).type).toBe('value');
    expect(yOf(pplOption(flat, light, 'log')).type).toBe('log');
  });
  it('resolveAxisScale: the threshold is strict, non-positive and non-finite values are ignored', () => {
    expect(LOG_AXIS_SPREAD).toBe(3);
    expect(resolveAxisScale('auto', [2, 6])).toBe('linear');
    expect(resolveAxisScale('auto', [2, 6.01])).toBe('log');
    expect(resolveAxisScale('auto', [0, -1, NaN, Infinity, 5])).toBe('linear');
    expect(resolveAxisScale('auto', [])).toBe('linear');
    expect(resolveAxisScale('log', [])).toBe('log');
    expect(resolveAxisScale('linear', [1, 1000])).toBe('linear');
  });
  it('KL checks lengths', () => {
    expect(() => klOption({ contextTokens: 8, positions: [0, 1], klNats: [0.1], trainedWindowTokens: 4 }, light)).toThrow(/2 positions, 1 values/);
  });
  it('noise floor: a shaded baseline series on logit error and KL, and a column in their tables', () => {
    const d = {
      binCentres: [1, 4],
      axis: 'distance' as const,
      bands: bands.slice(0, 1),
      rmsPerBand: [[0.1, 0.2]],
      rmsTotal: [0.1, 0.2],
      p99Total: [0.3, 0.5],
      trainedWindowTokens: 256,
      noiseFloorRmsTotal: [0.001, 0.002],
    };
    const o = logitErrorOption(d, light) as unknown as { series: Array<AnySeries & { areaStyle?: unknown }> };
    expect(o.series.map((s) => s.name)).toEqual(['B0', 'total', 'total p99', NOISE_FLOOR_SERIES.precision]);
    expect((logitErrorOption({ ...d, noiseFloorSource: 'backend' }, light) as unknown as { series: AnySeries[] }).series.at(-1)?.name).toBe(
      'noise floor (FP on WebGPU vs WASM)',
    );
    expect(o.series[3].data).toEqual([
      [1, 0.001],
      [4, 0.002],
    ]);
    expect(o.series[3].areaStyle).toBeDefined();
    expect(logitErrorTable(d).columns.at(-1)).toBe('noiseFloorRmsTotal');
    expect(logitErrorTable(d).rows[1].at(-1)).toBe(0.002);
    expect(() => logitErrorOption({ ...d, noiseFloorRmsTotal: [1] }, light)).toThrow(/2 bins but 1 noise-floor values/);
    const kl = { contextTokens: 2, positions: [0, 1], klNats: [0.1, 0.2], trainedWindowTokens: 4, noiseFloorKlNats: [1e-7, 2e-7] };
    const k = klOption(kl, light) as unknown as { series: AnySeries[] };
    expect(k.series.map((s) => s.name)).toEqual(['KL(FP ‖ PTQ)', NOISE_FLOOR_SERIES.precision]);
    expect(klTable(kl)).toEqual({
      columns: ['position', 'klNats', 'noiseFloorKlNats'],
      rows: [
        [0, 0.1, 1e-7],
        [1, 0.2, 2e-7],
      ],
    });
  });
});

describe('search chart', () => {
  it('splits accepted and rejected candidates per band', () => {
    const d = {
      bands,
      baselineObjective: 1.5,
      candidates: [
        { bandIndex: 1, scale: 1, objective: 1.5, guard: 1.2, rejected: false, elapsedMs: 10 },
        { bandIndex: 1, scale: 1.25, objective: 1.4, guard: 1.3, rejected: true, elapsedMs: 11 },
        { bandIndex: 0, scale: 0.8, objective: 1.45, guard: 1.2, rejected: false, elapsedMs: 12 },
      ],
    };
    const o = searchOption(d, light) as unknown as { legend: { data: Array<{ name: string; icon: string }> } };
    const s = seriesOf(o as never) as Array<AnySeries & { symbol?: string }>;
    // Accepted and rejected series of a band share its name: one legend entry per band, shape tells the verdict.
    expect(s.map((x) => x.name)).toEqual(['B0', 'B0', 'B1', 'B1', 'baseline (g = 1)']);
    expect(s.map((x) => x.symbol)).toEqual([ACCEPTED_SYMBOL, REJECTED_SYMBOL, ACCEPTED_SYMBOL, REJECTED_SYMBOL, 'diamond']);
    expect(ACCEPTED_SYMBOL).not.toBe(REJECTED_SYMBOL);
    expect(o.legend.data).toEqual([
      { name: 'B0', icon: 'circle' },
      { name: 'B1', icon: 'circle' },
      { name: 'baseline (g = 1)', icon: 'diamond' },
    ]);
    expect(s[4].data).toEqual([[1, 1.5]]);
    expect(s[0].data).toEqual([[0.8, 1.45]]);
    expect(s[3].data).toEqual([[1.25, 1.4]]);
    expect(s[2].data).toEqual([[1, 1.5]]);
    expect(searchTable(d).rows[1]).toEqual([1, 1, 1.25, 1.4, 1.3, 'yes', 11, '', '', '']);
    const tie = { ...d.candidates[2], withinNoise: true, vsBaselineNats: -0.002, vsBaselineSeNats: 0.003 };
    expect(searchTable({ ...d, candidates: [tie] }).rows[0].slice(7)).toEqual(['yes', -0.002, 0.003]);
  });
});

describe('tables and definitions', () => {
  it('CSV quotes cells that need it and JSON keys by column', () => {
    const t = {
      columns: ['a', 'b'],
      rows: [
        [1, 'x,"y"'],
        [NaN, 'z'],
      ],
    };
    expect(tableToCsv(t)).toBe('a,b\r\n1,"x,""y"""\r\n,z\r\n');
    expect(JSON.parse(tableToJson(t))).toEqual([
      { a: 1, b: 'x,"y"' },
      { a: null, b: 'z' },
    ]);
    expect(() => tableToCsv({ columns: ['a'], rows: [[1, 2]] })).toThrow(/row 0 has 2 cells, header has 1/);
  });
  it('every chart states a definition', () => {
    for (const [id, d] of Object.entries(CHART_DEFINITIONS)) {
      expect(d.title.length, id).toBeGreaterThan(5);
      expect(d.definition.length, id).toBeGreaterThan(40);
    }
  });
});
