import { axis, bandColor, baseOption, ink } from './palette';
import type { ChartOption, ChartTable, ChartTheme, PressureData } from './types';

/**
 * Per-pair pressure chart: IP_i and D_i (log axis) against pair index i, bands shaded, the
 * trained-window pair (λ_i = L) marked, and the PI ramp ln(θ/θ′)/ln s on a right axis [0, 1].
 */
export function pressurePairOption(data: PressureData, theme: ChartTheme): ChartOption {
  const pairs = checkPairs(data);
  const c = ink(theme);
  const pairAxis = Array.from({ length: pairs }, (_, i) => i);
  const trainedPair = firstPairLongerThan(data.wavelengthTokens, data.trainedWindowTokens);
  const positive = (v: number): number | null => (v > 0 && Number.isFinite(v) ? v : null);
  return {
    ...baseOption(theme),
    xAxis: axis(theme, 'pair index i', 'category', { data: pairAxis }),
    yAxis: [
      axis(theme, 'turns', 'log'),
      axis(theme, 'fraction of s', 'value', { min: 0, max: (v: { max: number }) => Math.max(1, v.max), position: 'right', splitLine: { show: false } }),
    ],
    series: [
      {
        name: 'IP_i',
        type: 'line',
        showSymbol: false,
        data: Array.from(data.ipPerPair, positive),
        markArea: {
          silent: true,
          data: data.bands.map((b) => [
            { xAxis: b.firstPair, name: `B${b.bandIndex}`, itemStyle: { color: bandColor(b.bandIndex, theme), opacity: 0.08 } },
            { xAxis: b.lastPair },
          ]),
          label: { color: c.muted, fontSize: 10, position: 'insideTop' },
        },
        markLine:
          trainedPair === null
            ? undefined
            : {
                silent: true,
                symbol: 'none',
                lineStyle: { type: 'dashed', color: c.marker },
                label: { formatter: `λ = L (${data.trainedWindowTokens})`, color: c.marker, fontSize: 10 },
                data: [{ xAxis: trainedPair }],
              },
      },
      { name: 'D_i', type: 'line', showSymbol: false, data: Array.from(data.displacementTurnsPerPair, positive) },
      {
        name: 'ramp ln(θ/θ′)/ln s',
        type: 'line',
        yAxisIndex: 1,
        showSymbol: false,
        lineStyle: { type: 'dotted' },
        data: Array.from(data.interpolatedFractionPerPair),
      },
    ],
  } as ChartOption;
}

/** Per-band bars: mean IP and mean D over each band's pairs. */
export function pressureBandOption(data: PressureData, theme: ChartTheme): ChartOption {
  const nBands = data.bands.length;
  if (data.ipPerBand.length !== nBands || data.displacementTurnsPerBand.length !== nBands) {
    throw new Error(`pressureBandOption: ${nBands} bands but ${data.ipPerBand.length} IP and ${data.displacementTurnsPerBand.length} D values`);
  }
  return {
    ...baseOption(theme),
    xAxis: axis(theme, 'band', 'category', { data: data.bands.map((b) => `B${b.bandIndex} · pairs ${b.firstPair}–${b.lastPair}`) }),
    // Log bars grow from the axis minimum: put it a decade below the smallest bar.
    yAxis: axis(theme, 'turns (mean over pairs)', 'log', { min: (v: { min: number }) => Math.pow(10, Math.floor(Math.log10(v.min))) }),
    series: [
      {
        name: 'IP_B',
        type: 'bar',
        data: data.bands.map((b, i) => ({ value: positiveOrNull(data.ipPerBand[i]), itemStyle: { color: bandColor(b.bandIndex, theme) } })),
      },
      { name: 'D_B', type: 'bar', data: Array.from(data.displacementTurnsPerBand, positiveOrNull), itemStyle: { color: ink(theme).muted } },
    ],
  } as ChartOption;
}

export function pressurePairTable(data: PressureData): ChartTable {
  const pairs = checkPairs(data);
  const bandOf = (i: number): string => data.bands.find((b) => i >= b.firstPair && i <= b.lastPair)?.label ?? '';
  return {
    columns: ['pairIndex', 'band', 'wavelengthTokens', 'ipTurns', 'displacementTurns', 'interpolatedFraction'],
    rows: Array.from({ length: pairs }, (_, i) => [
      i,
      bandOf(i),
      data.wavelengthTokens[i],
      data.ipPerPair[i],
      data.displacementTurnsPerPair[i],
      data.interpolatedFractionPerPair[i],
    ]),
  };
}

export function pressureBandTable(data: PressureData): ChartTable {
  return {
    columns: ['bandIndex', 'band', 'firstPair', 'lastPair', 'ipTurns', 'displacementTurns'],
    rows: data.bands.map((b, i) => [b.bandIndex, b.label, b.firstPair, b.lastPair, data.ipPerBand[i], data.displacementTurnsPerBand[i]]),
  };
}

function checkPairs(data: PressureData): number {
  const pairs = data.ipPerPair.length;
  const lens = [data.displacementTurnsPerPair.length, data.interpolatedFractionPerPair.length, data.wavelengthTokens.length];
  if (lens.some((n) => n !== pairs)) throw new Error(`pressure data: ${pairs} IP values but D/ramp/wavelength have ${lens.join('/')}`);
  return pairs;
}

/** First pair whose wavelength exceeds the trained window: the slow pairs start here. */
function firstPairLongerThan(wavelengthTokens: ArrayLike<number>, windowTokens: number): number | null {
  for (let i = 0; i < wavelengthTokens.length; i++) if (wavelengthTokens[i] > windowTokens) return i;
  return null;
}

function positiveOrNull(v: number): number | null {
  return v > 0 && Number.isFinite(v) ? v : null;
}
