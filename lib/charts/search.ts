import { axis, bandColor, baseOption, ink } from './palette';
import type { ChartOption, ChartTable, ChartTheme, SearchData } from './types';

/** Marker of a candidate the guard accepted (filled circle) and rejected (cross). */
export const ACCEPTED_SYMBOL = 'circle';
export const REJECTED_SYMBOL = 'path://M0,0 L10,10 M10,0 L0,10';

/**
 * Objective against scale g per band: colour = band, shape = guard verdict (circle accepted, cross
 * rejected). Both series of a band share the band's name, so the legend has one entry per band
 * (ECharts merges same-named series) and toggling it shows or hides all of that band's candidates.
 */
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
      symbol: ACCEPTED_SYMBOL,
      symbolSize: 7,
      tooltip: { formatter: '{a} · accepted<br/>g, objective = {c}' },
      data: mine.filter((x) => !x.rejected).map((x) => [x.scale, x.objective]),
      markLine:
        series.length === 0 && data.baselineObjective !== null
          ? {
              silent: true,
              symbol: 'none',
              precision: 10,
              lineStyle: { type: 'dashed', color: c.muted },
              label: { formatter: 'g = 1', color: c.muted, fontSize: 10 },
              data: [{ yAxis: data.baselineObjective }],
            }
          : undefined,
    });
    series.push({
      name: band.label,
      type: 'scatter',
      color,
      symbol: REJECTED_SYMBOL,
      symbolSize: 8,
      tooltip: { formatter: '{a} · rejected by the guard<br/>g, objective = {c}' },
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
    // One entry per band (plus the baseline), drawn as a circle whatever the verdicts; band labels
    // are long (pairs and wavelengths), so the row still scrolls when it must.
    legend: {
      ...base.legend,
      type: 'scroll',
      data: [
        ...data.bands.map((b) => ({ name: b.label, icon: ACCEPTED_SYMBOL })),
        ...(data.baselineObjective !== null ? [{ name: 'baseline (g = 1)', icon: 'diamond' }] : []),
      ],
    },
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
      i,
      x.bandIndex,
      x.scale,
      x.objective,
      x.guard,
      x.rejected ? 'yes' : 'no',
      x.elapsedMs,
      x.withinNoise === undefined ? '' : x.withinNoise ? 'yes' : 'no',
      x.vsBaselineNats ?? '',
      x.vsBaselineSeNats ?? '',
    ]),
  };
}
