/** Option builders for the line charts over positions and contexts: logit error, perplexity, KL. */
import { resolveAxisScale, type AxisScaleChoice } from './axisScale';
import { axis, bandColor, baseOption, ink } from './palette';
import type { ChartOption, ChartTable, ChartTheme, KlData, LogitErrorData, NoiseFloorSource, PplCurve, PplData } from './types';

function windowLine(theme: ChartTheme, trainedWindowTokens: number): Record<string, unknown> {
  const c = ink(theme);
  return {
    silent: true,
    symbol: 'none',
    lineStyle: { type: 'dashed', color: c.marker },
    label: { formatter: `L = ${trainedWindowTokens}`, color: c.marker, fontSize: 10 },
    data: [{ xAxis: trainedWindowTokens }],
  };
}

/**
 * Name of the baseline series on the logit-error and KL charts: the same measurement between the
 * FP model with float16-rounded weights and the FP model (lib/scenario/weightsF16), shaded to zero.
 */
export const NOISE_FLOOR_SERIES: Readonly<Record<NoiseFloorSource, string>> = {
  backend: 'noise floor (FP on WebGPU vs WASM)',
  precision: 'noise floor (FP float16 vs float32 weights)',
};

/** RMS |ε| per bin, one line per band plus the total (and its p99), x on a log axis for distance; the noise floor shaded when measured. */
export function logitErrorOption(data: LogitErrorData, theme: ChartTheme): ChartOption {
  const bins = data.binCentres.length;
  const bad = [data.rmsTotal.length, data.p99Total.length, ...data.rmsPerBand.map((r) => r.length)].find((n) => n !== bins);
  if (bad !== undefined || data.rmsPerBand.length !== data.bands.length) {
    throw new Error(
      `logitErrorOption: ${bins} bins, ${data.bands.length} bands, but series lengths ${data.rmsTotal.length}/${data.p99Total.length}/${data.rmsPerBand.map((r) => r.length).join(',')}`,
    );
  }
  const floor = data.noiseFloorRmsTotal;
  if (floor && floor.length !== bins) throw new Error(`logitErrorOption: ${bins} bins but ${floor.length} noise-floor values`);
  const xy = (ys: number[]): Array<[number, number]> => data.binCentres.map((x, i) => [x, ys[i]]);
  const c = ink(theme);
  return {
    ...baseOption(theme),
    xAxis: axis(theme, data.axis === 'distance' ? 'distance Δ = m − n (tokens)' : 'query position m', data.axis === 'distance' ? 'log' : 'value'),
    yAxis: axis(theme, 'RMS |ε| (logit units)', 'value'),
    series: [
      ...data.bands.map((b, k) => ({ name: b.label, type: 'line', showSymbol: false, color: bandColor(b.bandIndex, theme), data: xy(data.rmsPerBand[k]) })),
      {
        name: 'total',
        type: 'line',
        showSymbol: false,
        color: c.text,
        lineStyle: { width: 2 },
        data: xy(data.rmsTotal),
        markLine: windowLine(theme, data.trainedWindowTokens),
      },
      { name: 'total p99', type: 'line', showSymbol: false, color: c.muted, lineStyle: { type: 'dotted' }, data: xy(data.p99Total) },
      ...(floor
        ? [
            {
              name: NOISE_FLOOR_SERIES[data.noiseFloorSource ?? 'precision'],
              type: 'line',
              showSymbol: false,
              color: c.muted,
              lineStyle: { type: [2, 2], width: 2 },
              areaStyle: { color: c.muted, opacity: 0.15 },
              data: xy(floor),
            },
          ]
        : []),
    ],
  } as ChartOption;
}

export function logitErrorTable(data: LogitErrorData): ChartTable {
  return {
    columns: [
      data.axis === 'distance' ? 'distanceTokens' : 'queryPosition',
      ...data.bands.map((b) => `rms ${b.label}`),
      'rmsTotal',
      'p99Total',
      ...(data.noiseFloorRmsTotal ? ['noiseFloorRmsTotal'] : []),
    ],
    rows: data.binCentres.map((x, i) => [
      x,
      ...data.rmsPerBand.map((r) => r[i]),
      data.rmsTotal[i],
      data.p99Total[i],
      ...(data.noiseFloorRmsTotal ? [data.noiseFloorRmsTotal[i]] : []),
    ]),
  };
}

const VARIANT_STYLE: Record<PplCurve['variant'], { type: string | number[]; label: string }> = {
  fp: { type: 'solid', label: 'FP' },
  ptq: { type: 'dashed', label: 'PTQ' },
  'ptq+qroar': { type: 'dotted', label: 'PTQ+Q-ROAR' },
  // Dash-dot: the control of the dotted PTQ + Q-ROAR curve.
  'fp+qroar': { type: [8, 3, 2, 3], label: 'FP+Q-ROAR' },
};

/**
 * Perplexity against context (log2 axis): colour = PI method, dash = FP / PTQ / PTQ + Q-ROAR / FP + Q-ROAR.
 * y-axis: `yScale` ('auto' by default: log when the plotted perplexities span more than
 * LOG_AXIS_SPREAD, lib/charts/axisScale.ts); the axis name says which is in force.
 */
export function pplOption(data: PplData, theme: ChartTheme, yScale: AxisScaleChoice = 'auto'): ChartOption {
  const methods = [...new Set(data.curves.map((c) => c.method))];
  const scale = resolveAxisScale(
    yScale,
    data.curves.flatMap((c) => c.perplexity),
  );
  return {
    ...baseOption(theme),
    xAxis: axis(theme, 'context (tokens)', 'log', { logBase: 2 }),
    yAxis:
      scale === 'log'
        ? axis(theme, 'perplexity (log scale)', 'log', { logBase: 10, min: 'dataMin', max: 'dataMax' })
        : axis(theme, 'perplexity', 'value', { scale: true }),
    series: data.curves.map((curve, k) => {
      if (curve.contextTokens.length !== curve.perplexity.length) {
        throw new Error(`pplOption: curve ${curve.method}/${curve.variant} has ${curve.contextTokens.length} contexts and ${curve.perplexity.length} values`);
      }
      return {
        name: `${curve.method} ${VARIANT_STYLE[curve.variant].label}`,
        type: 'line',
        color: bandColor(methods.indexOf(curve.method), theme),
        lineStyle: { type: VARIANT_STYLE[curve.variant].type },
        symbolSize: 4,
        data: curve.contextTokens.map((x, i) => [x, curve.perplexity[i]]),
        markLine: k === 0 ? windowLine(theme, data.trainedWindowTokens) : undefined,
      };
    }),
  } as ChartOption;
}

export function pplTable(data: PplData): ChartTable {
  const rows: Array<Array<number | string>> = [];
  for (const c of data.curves) c.contextTokens.forEach((x, i) => rows.push([c.method, c.variant, x, c.perplexity[i]]));
  return { columns: ['method', 'variant', 'contextTokens', 'perplexity'], rows };
}

/** KL(FP ‖ PTQ) per position at one context, the trained window marked; the noise floor KL(FP ‖ FP-float16) shaded when measured. */
export function klOption(data: KlData, theme: ChartTheme): ChartOption {
  if (data.positions.length !== data.klNats.length) throw new Error(`klOption: ${data.positions.length} positions, ${data.klNats.length} values`);
  const floor = data.noiseFloorKlNats;
  if (floor && floor.length !== data.positions.length) throw new Error(`klOption: ${data.positions.length} positions but ${floor.length} noise-floor values`);
  const c = ink(theme);
  return {
    ...baseOption(theme),
    xAxis: axis(theme, `position (context ${data.contextTokens})`, 'value'),
    yAxis: axis(theme, 'KL (nats)', 'value'),
    series: [
      {
        name: 'KL(FP ‖ PTQ)',
        type: 'line',
        showSymbol: false,
        sampling: 'lttb',
        data: data.positions.map((x, i) => [x, data.klNats[i]]),
        markLine: windowLine(theme, data.trainedWindowTokens),
      },
      ...(floor
        ? [
            {
              name: NOISE_FLOOR_SERIES[data.noiseFloorSource ?? 'precision'],
              type: 'line',
              showSymbol: false,
              sampling: 'lttb',
              color: c.muted,
              lineStyle: { type: [2, 2] },
              areaStyle: { color: c.muted, opacity: 0.15 },
              data: data.positions.map((x, i) => [x, floor[i]]),
            },
          ]
        : []),
    ],
  } as ChartOption;
}

export function klTable(data: KlData): ChartTable {
  const floor = data.noiseFloorKlNats;
  return floor
    ? { columns: ['position', 'klNats', 'noiseFloorKlNats'], rows: data.positions.map((x, i) => [x, data.klNats[i], floor[i]]) }
    : { columns: ['position', 'klNats'], rows: data.positions.map((x, i) => [x, data.klNats[i]]) };
}
