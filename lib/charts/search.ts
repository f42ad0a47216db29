import { axis, bandColor, baseOption, ink } from './palette';
import type { ChartOption, ChartTable, ChartTheme, SearchData } from './types';

/** Objective against scale g per band; guard-rejected candidates drawn as crosses. */
export function searchOption(data: SearchData, theme: ChartTheme): ChartOption {
  const c = ink(theme);
  const series: Array<Record<string, unknown>> = [];
  for (const band of data.bands) {
    const mine = data.candidates.filter((x) => x.bandIndex === band.bandIndex);
    const color = bandColor(band.bandIndex, theme);
    series.push({
      name: band.label,
      type: 'scatter',
      color,
      symbolSize: 7,
      data: mine.filter((x) => !x.rejected).map((x) => [x.scale, x.objective]),
      markLine:
        series.length === 0 && data.baselineObjective !== null
          ? { silent: true, symbol: 'none', precision: 10, lineStyle: { type: 'dashed', color: c.muted }, label: { formatter: 'g = 1', color: c.muted, fontSize: 10 }, data: [{ yAxis: data.baselineObjective }] }
          : undefined,
    });
    series.push({
      name: `${band.label} rejected`,
      type: 'scatter',
      color,
      symbol: 'path://M0,0 L10,10 M10,0 L0,10',
      symbolSize: 8,
      itemStyle: { borderColor: color, borderWidth: 1.5 },
      data: mine.filter((x) => x.rejected).map((x) => [x.scale, x.objective]),
    });
  }
  // The baseline as a point too, so the value axis always spans it (a markLine alone does not widen the axis).
  if (data.baselineObjective !== null) {
    series.push({ name: 'baseline (g = 1)', type: 'scatter', color: c.muted, symbol: 'diamond', symbolSize: 9, data: [[1, data.baselineObjective]] });
  }
  const base = baseOption(theme) as Record<string, unknown> & { legend: Record<string, unknown>; grid: Record<string, unknown> };
  return {
    ...base,
    // Band labels are long (pairs and wavelengths): one scrolling legend row keeps the plot clear.
    legend: { ...base.legend, type: 'scroll' },
    grid: { ...base.grid, right: 36 },
    tooltip: { trigger: 'item', confine: true },
    xAxis: axis(theme, 'scale g', 'log', { logBase: 1.25, min: 'dataMin', max: 'dataMax' }),
    yAxis: axis(theme, 'objective (mean NLL, nats)', 'value', { scale: true }),
    series,
  } as ChartOption;
}

export function searchTable(data: SearchData): ChartTable {
  return {
    columns: ['order', 'bandIndex', 'scale', 'objective', 'guard', 'rejected', 'elapsedMs', 'withinNoise', 'vsBaselineNats', 'vsBaselineSeNats'],
    rows: data.candidates.map((x, i) => [
      i, x.bandIndex, x.scale, x.objective, x.guard, x.rejected ? 'yes' : 'no', x.elapsedMs,
      x.withinNoise === undefined ? '' : x.withinNoise ? 'yes' : 'no', x.vsBaselineNats ?? '', x.vsBaselineSeNats ?? '',
    ]),
  };
}
