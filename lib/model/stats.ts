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
