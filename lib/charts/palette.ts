import type { ChartTheme } from './types';

/** Band colours: an ordered, colour-blind-safe sequence (Okabe–Ito), low → high band index. */
export const BAND_COLORS = ['#0072B2', '#E69F00', '#009E73', '#CC79A7', '#56B4E9', '#D55E00', '#F0E442', '#000000'];

export function bandColor(bandIndex: number, theme: ChartTheme): string {
  const c = BAND_COLORS[bandIndex % BAND_COLORS.length];
  return c === '#000000' && theme.dark ? '#d4d4d8' : c;
}

/** Text, axis and grid colours for the light and dark themes. */
export function ink(theme: ChartTheme): { text: string; muted: string; grid: string; marker: string } {
  return theme.dark
    ? { text: '#e4e4e7', muted: '#a1a1aa', grid: '#3f3f46', marker: '#f87171' }
    : { text: '#18181b', muted: '#52525b', grid: '#e4e4e7', marker: '#b91c1c' };
}

/** Shared base: transparent background (the card owns it), compact grid, theme text. */
export function baseOption(theme: ChartTheme): Record<string, unknown> {
  const c = ink(theme);
  return {
    backgroundColor: 'transparent',
    animation: false,
    textStyle: { color: c.text, fontSize: 11 },
    grid: { left: 56, right: 24, top: 36, bottom: 44, containLabel: false },
    legend: { top: 4, textStyle: { color: c.text, fontSize: 11 }, itemWidth: 14, itemHeight: 8 },
    tooltip: { trigger: 'axis', confine: true },
  };
}

export function axis(theme: ChartTheme, name: string, type: 'value' | 'log' | 'category', extra: Record<string, unknown> = {}): Record<string, unknown> {
  const c = ink(theme);
  return {
    type,
    name,
    nameLocation: 'middle',
    nameGap: 28,
    nameTextStyle: { color: c.muted },
    axisLabel: { color: c.muted, fontSize: 10 },
    axisLine: { lineStyle: { color: c.muted } },
    splitLine: { lineStyle: { color: c.grid } },
    ...extra,
  };
}
