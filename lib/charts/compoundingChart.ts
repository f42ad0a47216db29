/**
 * Option and table builders of the compounding chart (lib/charts/compounding.ts holds the numbers):
 * one of three views, colour = PI method, solid = before Q-ROAR (PTQ vs FP), dashed = after
 * (PTQ + Q-ROAR vs FP + Q-ROAR), x = context or position on a log axis, the trained window L marked.
 */
import type { CompoundingData, CompoundingStage } from './compounding';
import { axis, bandColor, baseOption, ink } from './palette';
import type { ChartOption, ChartTable, ChartTheme } from './types';

export type CompoundingView = 'relative' | 'absolute' | 'position';

export const COMPOUNDING_VIEWS: ReadonlyArray<{ view: CompoundingView; label: string }> = [
  { view: 'relative', label: 'relative PPL gap' },
  { view: 'absolute', label: 'absolute PPL gap' },
  { view: 'position', label: 'per-position NLL gap' },
];

const STAGE_LABEL: Record<CompoundingStage, string> = { before: '', after: ' after Q-ROAR' };

function methodsOf(data: CompoundingData): string[] {
  return [...new Set([...data.contexts.map((s) => s.method), ...data.positions.map((s) => s.method)])];
}

/** Whether the view has anything to draw (the per-position view needs per-position NLL, absent from older reports). */
export function compoundingViewHasData(data: CompoundingData, view: CompoundingView): boolean {
  return view === 'position' ? data.positions.length > 0 : data.contexts.length > 0;
}

/** See module doc; relative gaps are drawn in percent. */
export function compoundingOption(data: CompoundingData, view: CompoundingView, theme: ChartTheme): ChartOption {
  const methods = methodsOf(data);
  const c = ink(theme);
  const trained = data.trainedWindowTokens;
  const markLine = {
    silent: true,
    symbol: 'none',
    lineStyle: { type: 'dashed', color: c.marker },
    label: { formatter: `L = ${trained}`, color: c.marker, fontSize: 10 },
    data: [{ xAxis: trained }],
  };
  const style = (method: string, stage: CompoundingStage) => ({
    color: bandColor(methods.indexOf(method), theme),
    lineStyle: { type: stage === 'after' ? 'dashed' : 'solid' },
  });
  // Zero gap = quantization costs nothing; drawn faint so a gap that closes is seen to reach it.
  const zero = { yAxis: 0, label: { show: false }, lineStyle: { color: c.muted, type: 'solid', width: 1 } };
  const series =
    view === 'position'
      ? data.positions.map((s, k) => ({
          name: `${s.method}${STAGE_LABEL[s.stage]}`,
          type: 'line',
          symbolSize: 4,
          ...style(s.method, s.stage),
          data: s.centreTokens.map((x, i) => [x, s.nllGapNats[i]]),
          markLine: k === 0 ? { ...markLine, data: [{ xAxis: trained }, zero] } : undefined,
        }))
      : data.contexts.map((s, k) => ({
          name: `${s.method}${STAGE_LABEL[s.stage]}`,
          type: 'line',
          symbolSize: 4,
          ...style(s.method, s.stage),
          data: s.contextTokens.map((x, i) => [x, view === 'relative' ? 100 * s.relativeGap[i] : s.absoluteGap[i]]),
          markLine: k === 0 ? { ...markLine, data: [{ xAxis: trained }, zero] } : undefined,
        }));
  const xName =
    view === 'position' ? `position m in the ${data.positions[0]?.windowTokens ?? ''}-token window (tokens seen, log-spaced bins)` : 'context (tokens)';
  const yName = view === 'relative' ? 'PPL_PTQ / PPL_FP − 1 (%)' : view === 'absolute' ? 'PPL_PTQ − PPL_FP' : 'NLL_PTQ − NLL_FP (nats)';
  return {
    ...baseOption(theme),
    xAxis: axis(theme, xName, 'log', { logBase: 2 }),
    yAxis: axis(theme, yName, 'value', { scale: true }),
    series,
  } as ChartOption;
}

/** The table behind the view in force (CSV/JSON export). */
export function compoundingTable(data: CompoundingData, view: CompoundingView): ChartTable {
  if (view === 'position') {
    const rows: Array<Array<number | string>> = [];
    for (const s of data.positions)
      s.centreTokens.forEach((x, i) => rows.push([s.method, s.stage, s.windowTokens, s.binLo[i], s.binHi[i], x, s.nllGapNats[i]]));
    return { columns: ['method', 'stage', 'windowTokens', 'positionLo', 'positionHi', 'positionCentre', 'nllGapNats'], rows };
  }
  const rows: Array<Array<number | string>> = [];
  for (const s of data.contexts) s.contextTokens.forEach((x, i) => rows.push([s.method, s.stage, x, s.relativeGap[i], s.absoluteGap[i]]));
  return { columns: ['method', 'stage', 'contextTokens', 'relativePplGap', 'absolutePplGap'], rows };
}
