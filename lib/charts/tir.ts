import { layerBandCells } from './layerBandCells';
import { axis, baseOption, ink } from './palette';
import type { ChartOption, ChartTable, ChartTheme, TirData } from './types';

/** Layer × band heat map of TIR_B; the colour scale is centred on log(1) = no inflation. */
export function tirHeatmapOption(data: TirData, theme: ChartTheme): ChartOption {
  const nLayers = data.layers.length;
  const nBands = data.bands.length;
  const cells = layerBandCells('tirHeatmapOption', data.tirLayerBand, nLayers, nBands);
  let maxDev = 0.05;
  for (const [, , v] of cells) if (Number.isFinite(v) && v > 0) maxDev = Math.max(maxDev, Math.abs(Math.log(v)));
  const c = ink(theme);
  return {
    ...baseOption(theme),
    tooltip: { trigger: 'item', confine: true },
    grid: { left: 56, right: 80, top: 16, bottom: 44 },
    // Short tick labels (band index and pair range) so every band gets one; the full label is in the table.
    xAxis: axis(theme, 'band', 'category', {
      data: data.bands.map((b) => `B${b.bandIndex} (${b.firstPair}–${b.lastPair})`),
      axisLabel: { interval: 0, fontSize: 10 },
      splitArea: { show: true },
    }),
    yAxis: axis(theme, 'layer', 'category', { data: data.layers.map(String) }),
    visualMap: {
      type: 'continuous',
      min: Math.exp(-maxDev),
      max: Math.exp(maxDev),
      // Ratios near 1 would all print as '1' at the default precision.
      precision: 2,
      calculable: true,
      orient: 'vertical',
      right: 4,
      top: 'middle',
      textStyle: { color: c.muted, fontSize: 10 },
      inRange: { color: ['#2166ac', theme.dark ? '#27272a' : '#f7f7f7', '#b2182b'] },
    },
    series: [
      {
        name: `TIR ${data.tensor} p=${data.quantile}`,
        type: 'heatmap',
        data: cells,
        label: { show: nBands * nLayers <= 64, fontSize: 9, formatter: (p: { value: [number, number, number] }) => p.value[2].toFixed(2) },
      },
    ],
  } as ChartOption;
}

/** TIR per pair, one line per layer, with 1 (no inflation) drawn dashed. */
export function tirPairOption(data: TirData, theme: ChartTheme): ChartOption {
  const nLayers = data.layers.length;
  if (data.tirLayerPair.length !== nLayers * data.pairCount) {
    throw new Error(`tirPairOption: expected ${nLayers}×${data.pairCount} values, got ${data.tirLayerPair.length}`);
  }
  const c = ink(theme);
  return {
    ...baseOption(theme),
    xAxis: axis(theme, 'pair index i', 'category', { data: Array.from({ length: data.pairCount }, (_, i) => i) }),
    yAxis: axis(theme, `TIR (p = ${data.quantile})`, 'log'),
    series: data.layers.map((layer, l) => ({
      name: `layer ${layer}`,
      type: 'line',
      showSymbol: false,
      data: Array.from({ length: data.pairCount }, (_, i) => data.tirLayerPair[l * data.pairCount + i]),
      markLine: l === 0 ? { silent: true, symbol: 'none', lineStyle: { type: 'dashed', color: c.muted }, data: [{ yAxis: 1 }] } : undefined,
    })),
  } as ChartOption;
}

export function tirTable(data: TirData): ChartTable {
  const rows: Array<Array<number | string>> = [];
  for (let l = 0; l < data.layers.length; l++) {
    for (let b = 0; b < data.bands.length; b++) {
      rows.push([data.tensor, data.layers[l], data.bands[b].label, data.tirLayerBand[l * data.bands.length + b]]);
    }
  }
  return { columns: ['tensor', 'layer', 'band', 'tir'], rows };
}

export function tirPairTable(data: TirData): ChartTable {
  const rows: Array<Array<number | string>> = [];
  for (let l = 0; l < data.layers.length; l++) {
    for (let i = 0; i < data.pairCount; i++) rows.push([data.tensor, data.layers[l], i, data.tirLayerPair[l * data.pairCount + i]]);
  }
  return { columns: ['tensor', 'layer', 'pairIndex', 'tir'], rows };
}
