/**
 * Type-7 quantile (lib/diagnostics/stats.ts states the rule) by selection instead of a full
 * sort: the two order statistics the rule interpolates are found in O(n) on average. The
 * dashboard's TIR takes a 0.999 quantile of every (tensor, layer, band, head) slice of the taps —
 * sorting them all was 73 % of the diagnostics' analysis time (about 2.6 of 3.5 s at L′ = 2048 on
 * the built-in model). Same numbers as sorting: the same two order statistics.
 */
import type { QuantileLevel } from './stats';

/** The float arrays the diagnostics select in (float32 taps, float64 errors). */
export type FloatArray = Float32Array | Float64Array;

/**
 * Type-7 quantile of `values` (n ≥ 1, no NaN), reordering them in place.
 * Input: values Float32Array | Float64Array [n], any units; output in the same units.
 */
export function quantileInPlace(values: FloatArray, level: QuantileLevel): number {
  const n = values.length;
  if (n === 0) throw new Error('quantileInPlace: empty input (n = 0)');
  const p = level === 'max' ? 1 : level;
  if (!(p >= 0 && p <= 1)) throw new Error(`quantileInPlace: level must be in [0,1] or 'max', got ${level}`);
  const h = (n - 1) * p;
  const lo = Math.floor(h);
  const xLo = selectInPlace(values, Math.min(lo, n - 1));
  if (lo >= n - 1) return xLo;
  // After selection every value right of `lo` is ≥ x[lo]: the next order statistic is their minimum.
  let xHi = Infinity;
  for (let i = lo + 1; i < n; i++) if (values[i] < xHi) xHi = values[i];
  return xLo + (h - lo) * (xHi - xLo);
}

/**
 * Reorders `values` so values[k] is the k-th smallest (0-based), everything left of it ≤ it and
 * everything right ≥ it; returns values[k]. Quickselect with a median-of-three pivot; a range that
 * keeps failing to shrink is finished by sorting, so the worst case stays O(n log n).
 */
export function selectInPlace(values: FloatArray, k: number): number {
  let left = 0;
  let right = values.length - 1;
  if (!(k >= 0 && k <= right)) throw new Error(`selectInPlace: k = ${k} outside 0…${right}`);
  let budget = 2 * Math.ceil(Math.log2(values.length + 1)) + 8;
  while (right > left) {
    if (budget-- === 0) {
      values.subarray(left, right + 1).sort();
      return values[k];
    }
    const mid = (left + right) >>> 1;
    // Median of three as the pivot (ordered into left, mid, right).
    if (values[mid] < values[left]) swap(values, mid, left);
    if (values[right] < values[left]) swap(values, right, left);
    if (values[right] < values[mid]) swap(values, right, mid);
    const pivot = values[mid];
    let i = left;
    let j = right;
    // Hoare partition: [left, j] ≤ pivot ≤ [i, right].
    while (i <= j) {
      while (values[i] < pivot) i++;
      while (values[j] > pivot) j--;
      if (i <= j) {
        swap(values, i, j);
        i++;
        j--;
      }
    }
    if (k <= j) right = j;
    else if (k >= i) left = i;
    else return values[k];
  }
  return values[k];
}

function swap(a: FloatArray, i: number, j: number): void {
  const t = a[i];
  a[i] = a[j];
  a[j] = t;
}
