import { describe, expect, it } from 'vitest';
import { compoundingData, contextGap, logPositionEdges, methodCurvesOf, positionGap } from './compounding';
import { compoundingOption, compoundingTable, compoundingViewHasData } from './compoundingChart';
import type { PplCurve } from './types';

const curve = (method: string, variant: PplCurve['variant'], perplexity: number[], contextTokens = [64, 128, 256]): PplCurve => ({
  method,
  variant,
  contextTokens,
  perplexity,
});

describe('compounding gaps', () => {
  it('relative and absolute gaps per context, by hand', () => {
    // 64: 12/10 − 1 = 0.2, 12 − 10 = 2; 128: 11/10 − 1 = 0.1; 256: 30/20 − 1 = 0.5, 10.
    const g = contextGap('yarn', 'before', curve('yarn', 'ptq', [12, 11, 30]), curve('yarn', 'fp', [10, 10, 20]));
    expect(g.contextTokens).toEqual([64, 128, 256]);
    expect(g.relativeGap.map((x) => Number(x.toFixed(12)))).toEqual([0.2, 0.1, 0.5]);
    expect(g.absoluteGap).toEqual([2, 1, 10]);
  });

  it('keeps only the contexts both curves hold, ascending; a blown-up perplexity is a gap, not a number', () => {
    const g = contextGap('ntk', 'before', curve('ntk', 'ptq', [6, 4], [256, 64]), curve('ntk', 'fp', [2, 3, 5], [64, 128, 256]));
    expect(g.contextTokens).toEqual([64, 256]);
    expect(g.absoluteGap).toEqual([2, 1]);
    const blown = contextGap('ntk', 'before', curve('ntk', 'ptq', [Number.POSITIVE_INFINITY, 3], [64, 128]), curve('ntk', 'fp', [2, 2], [64, 128]));
    expect(blown.relativeGap).toEqual([Number.NaN, 0.5]);
    expect(blown.absoluteGap).toEqual([Number.NaN, 1]);
  });

  it('log-spaced position edges: two per octave, whole tokens, covering 1 … max', () => {
    // 2^(k/2) rounded: 1, 1.41→1 (dup), 2, 2.83→3, 4, 5.66→6, 8, then max + 1 = 10.
    expect(logPositionEdges(9)).toEqual([1, 2, 3, 4, 6, 8, 10]);
    expect(logPositionEdges(1)).toEqual([1, 2]);
    expect(logPositionEdges(7, 1)).toEqual([1, 2, 4, 8]);
    expect(() => logPositionEdges(0)).toThrow(/maxPosition must be an integer ≥ 1, got 0/);
  });

  it('per-position NLL gap averaged within bins, by hand', () => {
    // 7 predictions (window of 8), octave bins [1,2) [2,4) [4,8): m = 1 → d 0.1; m = 2, 3 → (0.2 + 0.4)/2; m = 4…7 → (0 + 1 + 1 + 2)/4.
    const fp = [1, 1, 1, 1, 1, 1, 1];
    const ptq = [1.1, 1.2, 1.4, 1, 2, 2, 3];
    const s = positionGap('yarn', 'before', ptq, fp, 1);
    expect(s.windowTokens).toBe(8);
    expect(s.binLo).toEqual([1, 2, 4]);
    expect(s.binHi).toEqual([2, 4, 8]);
    expect(s.nllGapNats.map((x) => Number(x.toFixed(12)))).toEqual([0.1, 0.3, 1]);
    expect(s.centreTokens[1]).toBeCloseTo(Math.sqrt(2 * 3), 12);
    expect(() => positionGap('yarn', 'before', [1, 2], [1], 1)).toThrow(/2 PTQ predictions and 1 FP/);
  });

  it('before from PTQ vs FP, after from PTQ + Q-ROAR vs FP + Q-ROAR, per method; per-position from the longest window', () => {
    const per = (nll: number[]) => [
      { context: 4, perPositionNll: nll.slice(0, 3) },
      { context: 8, perPositionNll: nll },
    ];
    const results = [
      { curve: curve('yarn', 'fp', [10, 10, 20]), perContext: per([1, 1, 1, 1, 1, 1, 1]) },
      { curve: curve('yarn', 'ptq', [12, 11, 30]), perContext: per([1.1, 1.2, 1.4, 1, 2, 2, 3]) },
      { curve: curve('yarn', 'ptq+qroar', [11, 10.5, 24]), perContext: per([1, 1, 1, 1, 1.5, 1.5, 2]) },
      { curve: curve('yarn', 'fp+qroar', [10, 10, 20]), perContext: per([1, 1, 1, 1, 1, 1, 1]) },
      { curve: curve('linear', 'fp', [10, 10, 40]) },
      { curve: curve('linear', 'ptq', [10, 12, 44]) },
    ];
    const d = compoundingData(methodCurvesOf(results), 128);
    expect(d.contexts.map((s) => `${s.method} ${s.stage}`)).toEqual(['yarn before', 'yarn after', 'linear before']);
    expect(d.contexts[1].relativeGap.map((x) => Number(x.toFixed(12)))).toEqual([0.1, 0.05, 0.2]);
    expect(d.contexts[2].absoluteGap).toEqual([0, 2, 4]);
    // Curves without per-position NLL (an older report) give no per-position series.
    expect(d.positions.map((s) => `${s.method} ${s.stage} ${s.windowTokens}`)).toEqual(['yarn before 8', 'yarn after 8']);
    // After, 2 bins per octave over m = 1…7: edges 1,2,3,4,6,8 → m=4,5 → (0 + 0.5)/2.
    expect(d.positions[1].binLo).toEqual([1, 2, 3, 4, 6]);
    expect(d.positions[1].nllGapNats[3]).toBeCloseTo(0.25, 12);
  });
});

describe('compounding chart', () => {
  const results = [
    { curve: curve('yarn', 'fp', [10, 10, 20]), perContext: [{ context: 256, perPositionNll: new Float64Array(255).fill(1) }] },
    { curve: curve('yarn', 'ptq', [12, 11, 30]), perContext: [{ context: 256, perPositionNll: new Float64Array(255).fill(1.5) }] },
    { curve: curve('yarn', 'ptq+qroar', [11, 10.5, 24]), perContext: [{ context: 256, perPositionNll: new Float64Array(255).fill(1.25) }] },
    { curve: curve('yarn', 'fp+qroar', [10, 10, 20]), perContext: [{ context: 256, perPositionNll: new Float64Array(255).fill(1) }] },
  ];
  const data = compoundingData(methodCurvesOf(results), 128);

  it('draws one solid series per method before and a dashed one after, with L marked, in percent for the relative view', () => {
    const o = compoundingOption(data, 'relative', { dark: false }) as {
      series: Array<{ name: string; lineStyle: { type: string }; data: number[][]; markLine?: { data: Array<Record<string, number>> } }>;
      xAxis: { type: string };
      yAxis: { name: string };
    };
    expect(o.series.map((s) => [s.name, s.lineStyle.type])).toEqual([
      ['yarn', 'solid'],
      ['yarn after Q-ROAR', 'dashed'],
    ]);
    expect(o.series[0].data.map(([x, y]) => [x, Number(y.toFixed(9))])).toEqual([
      [64, 20],
      [128, 10],
      [256, 50],
    ]);
    expect(o.series[0].markLine?.data[0]).toEqual({ xAxis: 128 });
    expect(o.xAxis.type).toBe('log');
    expect(o.yAxis.name).toMatch(/PPL_PTQ \/ PPL_FP − 1 \(%\)/);
    const pos = compoundingOption(data, 'position', { dark: true }) as { series: Array<{ data: number[][] }> };
    expect(pos.series[0].data.every(([, y]) => Math.abs(y - 0.5) < 1e-12)).toBe(true);
    expect(pos.series[1].data.every(([, y]) => Math.abs(y - 0.25) < 1e-12)).toBe(true);
  });

  it('exports the table of the view in force', () => {
    expect(compoundingTable(data, 'absolute').columns).toEqual(['method', 'stage', 'contextTokens', 'relativePplGap', 'absolutePplGap']);
    expect(compoundingTable(data, 'absolute').rows[2]).toEqual(['yarn', 'before', 256, 0.5, 10]);
    const t = compoundingTable(data, 'position');
    expect(t.columns).toEqual(['method', 'stage', 'windowTokens', 'positionLo', 'positionHi', 'positionCentre', 'nllGapNats']);
    expect(t.rows[0].slice(0, 5)).toEqual(['yarn', 'before', 256, 1, 2]);
    expect(compoundingViewHasData({ ...data, positions: [] }, 'position')).toBe(false);
    expect(compoundingViewHasData(data, 'relative')).toBe(true);
  });
});
