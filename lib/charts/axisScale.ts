/**
 * Linear or log y-axis for the perplexity chart. One curve at ×4 reaching ~50 while the others sit
 * near 4 flattens them on a linear axis; past a spread of LOG_AXIS_SPREAD (max/min of every plotted
 * perplexity) 'auto' switches to log, where equal ratios look equal.
 */

/** 'auto' picks log when max/min of the plotted perplexities exceeds this (dimensionless ratio). */
export const LOG_AXIS_SPREAD = 3;

export type AxisScaleChoice = 'auto' | 'linear' | 'log';

/**
 * The scale in force for `values` (perplexities, > 0; non-finite or non-positive ones are ignored,
 * and a log axis is never chosen for them). 'linear' and 'log' are the user's override.
 */
export function resolveAxisScale(choice: AxisScaleChoice, values: Iterable<number>): 'linear' | 'log' {
  if (choice !== 'auto') return choice;
  let min = Infinity;
  let max = 0;
  for (const v of values) {
    if (!(Number.isFinite(v) && v > 0)) continue;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return max > 0 && max / min > LOG_AXIS_SPREAD ? 'log' : 'linear';
}
