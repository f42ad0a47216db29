/**
 * Small statistics helpers shared by the diagnostics. All exact (no sketches): the inputs
 * are sampled sets of at most a few million values, which sort in well under a second.
 *
 * Quantile rule (stated once, used everywhere): Hyndman–Fan type 7, the default of numpy
 * and R — for sorted x[0…n−1] and probability p, h = (n − 1)·p, result =
 * x[⌊h⌋] + (h − ⌊h⌋)·(x[⌊h⌋+1] − x[⌊h⌋]). p = 1 gives the maximum, p = 0 the minimum.
 */

/** A tail level: a probability in [0, 1] or 'max' (identical to p = 1). */
export type QuantileLevel = number | 'max';

/**
 * Type-7 quantile of values already sorted ascending.
 * Input: sortedValues[n] (n ≥ 1), any units; output in the same units.
 */
export function quantileOfSorted(sortedValues: ArrayLike<number>, level: QuantileLevel): number {
  const n = sortedValues.length;
  if (n === 0) throw new Error('quantileOfSorted: empty input (n = 0)');
  const p = level === 'max' ? 1 : level;
  if (!(p >= 0 && p <= 1)) throw new Error(`quantileOfSorted: level must be in [0,1] or 'max', got ${level}`);
  const h = (n - 1) * p;
  const lo = Math.floor(h);
  if (lo >= n - 1) return sortedValues[n - 1];
  const frac = h - lo;
  return sortedValues[lo] + frac * (sortedValues[lo + 1] - sortedValues[lo]);
}

/**
 * Type-7 quantile of unsorted values (copies, then sorts the copy; the input is untouched).
 * Input: values[n] (n ≥ 1). NaN values are rejected because they have no order.
 */
export function quantile(values: ArrayLike<number>, level: QuantileLevel): number {
  const n = values.length;
  if (n === 0) throw new Error('quantile: empty input (n = 0)');
  if (level === 'max' || level === 1) return maxOf(values);
  const copy = Float64Array.from(values as ArrayLike<number>);
  for (let i = 0; i < n; i++) if (Number.isNaN(copy[i])) throw new Error(`quantile: NaN at index ${i} of ${n}`);
  copy.sort();
  return quantileOfSorted(copy, level);
}

/**
 * Type-7 quantile of |values| (absolute values), the tail statistic of TIR and logit error.
 * Input: values[n] (n ≥ 1), any units; output ≥ 0 in the same units.
 */
export function absQuantile(values: ArrayLike<number>, level: QuantileLevel): number {
  const n = values.length;
  if (n === 0) throw new Error('absQuantile: empty input (n = 0)');
  const copy = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const v = values[i];
    if (Number.isNaN(v)) throw new Error(`absQuantile: NaN at index ${i} of ${n}`);
    copy[i] = Math.abs(v);
  }
  if (level === 'max' || level === 1) return maxOf(copy);
  copy.sort();
  return quantileOfSorted(copy, level);
}

/** Maximum of values[n] (n ≥ 1). */
export function maxOf(values: ArrayLike<number>): number {
  const n = values.length;
  if (n === 0) throw new Error('maxOf: empty input (n = 0)');
  let m = -Infinity;
  for (let i = 0; i < n; i++) {
    const v = values[i];
    if (Number.isNaN(v)) throw new Error(`maxOf: NaN at index ${i} of ${n}`);
    if (v > m) m = v;
  }
  return m;
}

/** Arithmetic mean of values[n]; NaN for n = 0 (an empty bin has no mean). */
export function mean(values: ArrayLike<number>): number {
  const n = values.length;
  if (n === 0) return Number.NaN;
  let s = 0;
  for (let i = 0; i < n; i++) s += values[i];
  return s / n;
}

/** Root mean square √(Σx²/n) of values[n]; NaN for n = 0. */
export function rms(values: ArrayLike<number>): number {
  const n = values.length;
  if (n === 0) return Number.NaN;
  let s = 0;
  for (let i = 0; i < n; i++) s += values[i] * values[i];
  return Math.sqrt(s / n);
}
