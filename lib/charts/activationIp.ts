import { layerBandCells } from './layerBandCells';
import { axis, baseOption, ink } from './palette';
import type { ActivationIpData, ChartOption, ChartTable, ChartTheme } from './types';

/** Layer × band heat map of the activation-based IP_B (≥ 0; 0 = the PI leaves the band's logits unchanged). */
export function activationIpOption(data: ActivationIpData, theme: ChartTheme): ChartOption {
  const nLayers = data.layers.length;
  const nBands = data.bands.length;
  const cells = layerBandCells('activationIpOption', data.ipLayerBand, nLayers, nBands);
  let max = 0;
  for (const [, , v] of cells) if (Number.isFinite(v)) max = Math.max(max, v);
  const c = ink(theme);
  return {
    ...baseOption(theme),
    tooltip: { trigger: 'item', confine: true },
    grid: { left: 56, right: 80, top: 16, bottom: 44 },
    xAxis: axis(theme, 'band', 'category', {
      data: data.bands.map((b) => `B${b.bandIndex} (${b.firstPair}–${b.lastPair})`),
      axisLabel: { interval: 0, fontSize: 10 },
      splitArea: { show: true },
    }),
    yAxis: axis(theme, 'layer', 'category', { data: data.layers.map(String) }),
    visualMap: {
      type: 'continuous',
      min: 0,
      max: max > 0 ? max : 1,
      calculable: true,
      orient: 'vertical',
      right: 4,
      top: 'middle',
      textStyle: { color: c.muted, fontSize: 10 },
      inRange: { color: [theme.dark ? '#27272a' : '#f7f7f7', '#b2182b'] },
    },
    series: [
      {
        name: `IP (activations, L′ = ${data.contextTokens})`,
        type: 'heatmap',
        data: cells,
        label: { show: nBands * nLayers <= 64, fontSize: 9, formatter: (p: { value: [number, number, number] }) => p.value[2].toFixed(2) },
      },
    ],
  } as ChartOption;
}

export function activationIpTable(data: ActivationIpData): ChartTable {
  const rows: Array<Array<number | string>> = [];
  for (let l = 0; l < data.layers.length; l++) {
    for (let b = 0; b < data.bands.length; b++) rows.push([data.layers[l], data.bands[b].label, data.ipLayerBand[l * data.bands.length + b]]);
  }
  return { columns: ['layer', 'band', 'ipActivation'], rows };
}
