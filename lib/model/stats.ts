/** Summary of a float32 tensor for inspection. */
export interface TensorStats {
  /** The first (up to) 16 values in storage order. */
  first: number[];
  /** Mean over finite values (0 when none). */
  mean: number;
  /** Largest |value| over finite values. */
  absMax: number;
  /** Count of NaN and ±Inf values. */
  nonFinite: number;
}

/** Stats of values: Float32Array[n] (any layout; `first` follows storage order). */
export function tensorStats(values: Float32Array): TensorStats {
  let sum = 0;
  let finite = 0;
  let absMax = 0;
  let nonFinite = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (Number.isFinite(v)) {
      sum += v;
      finite++;
      const a = Math.abs(v);
      if (a > absMax) absMax = a;
    } else {
      nonFinite++;
    }
  }
  return { first: Array.from(values.subarray(0, 16)), mean: finite === 0 ? 0 : sum / finite, absMax, nonFinite };
}

/** Row batches hold about this many float32 values (16 MiB). */
export const STATS_BATCH_ELEMENTS = 1 << 22;

/**
 * tensorStats of a whole tensor of row-major `shape`, read in batches of whole rows (first
 * dimension) of about `batchElements` values, so a large tensor never sits in memory at once.
 * `read(rows)` gives float32 rows [first, first + count); a tensor of ≤ 1 dimension is read whole
 * (`read()`). Same result as tensorStats over all values, up to float rounding of the mean.
 */
export async function tensorStatsInBatches(
  shape: readonly number[],
  read: (rows?: { first: number; count: number }) => Promise<Float32Array>,
  batchElements = STATS_BATCH_ELEMENTS,
): Promise<TensorStats> {
  if (shape.length <= 1) return tensorStats(await read());
  const rowCount = shape[0];
  const rowElements = shape.slice(1).reduce((a, b) => a * b, 1);
  const batchRows = Math.max(1, Math.floor(batchElements / Math.max(rowElements, 1)));
  let first: number[] = [];
  let sum = 0;
  let finite = 0;
  let absMax = 0;
  let nonFinite = 0;
  for (let row = 0; row < rowCount; row += batchRows) {
    const values = await read({ first: row, count: Math.min(batchRows, rowCount - row) });
    const s = tensorStats(values);
    // A batch may hold fewer than 16 values: keep filling `first` from the following ones.
    if (first.length < 16) first = first.concat(s.first.slice(0, 16 - first.length));
    const finiteHere = values.length - s.nonFinite;
    sum += s.mean * finiteHere;
    finite += finiteHere;
    absMax = Math.max(absMax, s.absMax);
    nonFinite += s.nonFinite;
  }
  return { first, mean: finite === 0 ? 0 : sum / finite, absMax, nonFinite };
}
