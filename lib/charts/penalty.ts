/**
 * The quantization penalty against context, before and after the chosen scales (issue #13):
 * penalty = NLL(PTQ) − NLL(FP) on the same test windows, "after" with the scales on both sides
 * (lib/qroar/penalty). Error bars: ± NOISE_SIGMAS standard errors of the paired per-window penalty.
 */
import { NOISE_SIGMAS } from '../qroar/noise';
import type { ContextPenalty } from '../qroar/penalty';
import { axis, baseOption, ink } from './palette';
import type { ChartOption, ChartTable, ChartTheme } from './types';

export interface PenaltyData {
  rows: ContextPenalty[];
}

/** Two lines (before dashed, after solid) over context on a log2 axis, with ±2 SE whiskers. */
export function penaltyOption(data: PenaltyData, theme: ChartTheme): ChartOption {
  const c = ink(theme);
  const line = (name: string, pick: (p: ContextPenalty) => ContextPenalty['penaltyBefore'], dashed: boolean, color: string) => [
    {
      name,
      type: 'line',
      color,
      lineStyle: { type: dashed ? 'dashed' : 'solid' },
      symbolSize: 6,
      data: data.rows.map((p) => [p.contextTokens, pick(p).meanNats]),
    },
    {
      name: `${name} ±${NOISE_SIGMAS} SE`,
      type: 'custom',
      color,
      silent: true,
      // One vertical whisker per context; rows whose SE is unknown (one window) draw nothing.
      data: data.rows
        .filter((p) => Number.isFinite(pick(p).standardErrorNats))
        .map((p) => [
          p.contextTokens,
          pick(p).meanNats - NOISE_SIGMAS * pick(p).standardErrorNats,
          pick(p).meanNats + NOISE_SIGMAS * pick(p).standardErrorNats,
        ]),
      renderItem: (
        _params: unknown,
        api: { value: (i: number) => number; coord: (v: [number, number]) => [number, number]; style: () => Record<string, unknown> },
      ) => {
        const [x, lo] = api.coord([api.value(0), api.value(1)]);
        const [, hi] = api.coord([api.value(0), api.value(2)]);
        return { type: 'line', shape: { x1: x, y1: lo, x2: x, y2: hi }, style: { stroke: color, lineWidth: 1 } };
      },
    },
  ];
  return {
    ...baseOption(theme),
    xAxis: axis(theme, 'context (tokens)', 'log', { logBase: 2 }),
    yAxis: axis(theme, 'penalty NLL(PTQ) − NLL(FP) (nats)', 'value', { scale: true }),
    series: [
      ...line('before (g = 1)', (p) => p.penaltyBefore, true, c.muted),
      ...line('after (chosen g, both sides)', (p) => p.penaltyAfter, false, '#0072B2'),
    ],
  } as ChartOption;
}

export function penaltyTable(data: PenaltyData): ChartTable {
  return {
    columns: [
      'contextTokens',
      'windows',
      'penaltyBeforeNats',
      'penaltyBeforeSeNats',
      'penaltyAfterNats',
      'penaltyAfterSeNats',
      'penaltyRelativeChange',
      'penaltyRelativeChangeSe',
      'ptqChangeNats',
      'ptqChangeSeNats',
      'fpChangeNats',
      'fpChangeSeNats',
    ],
    rows: data.rows.map((p) => [
      p.contextTokens,
      p.windows,
      p.penaltyBefore.meanNats,
      p.penaltyBefore.standardErrorNats,
      p.penaltyAfter.meanNats,
      p.penaltyAfter.standardErrorNats,
      p.penaltyRelativeChange,
      p.penaltyRelativeChangeStdError,
      p.ptqChange.meanNats,
      p.ptqChange.standardErrorNats,
      p.fpChange.meanNats,
      p.fpChange.standardErrorNats,
    ]),
  };
}
