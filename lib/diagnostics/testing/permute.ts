// Test helper: converts half-split head rows to the interleaved layout (llama.cpp's
// converter permutation): interleaved row 2i = half-split row i, row 2i+1 = row i + d_r/2.

/** Interleaved row → half-split row, for one head (rows ≥ rotaryDim map to themselves). */
export function halfSplitRowOfInterleavedRow(headDim: number, rotaryDim: number): Int32Array {
  const out = new Int32Array(headDim);
  const half = rotaryDim / 2;
  for (let r = 0; r < headDim; r++) out[r] = r >= rotaryDim ? r : r % 2 === 0 ? r / 2 : (r - 1) / 2 + half;
  return out;
}

/** Permutes the last axis (headDim) of a [..., heads, headDim] tensor from half-split to interleaved. */
export function toInterleavedLastAxis(x: Float32Array, headDim: number, rotaryDim: number): Float32Array {
  const map = halfSplitRowOfInterleavedRow(headDim, rotaryDim);
  const out = new Float32Array(x.length);
  for (let base = 0; base < x.length; base += headDim) for (let r = 0; r < headDim; r++) out[base + r] = x[base + map[r]];
  return out;
}

/** Permutes output rows of a weight [heads·headDim, cols] from half-split to interleaved, per head. */
export function toInterleavedRows(w: Float32Array, rows: number, cols: number, headDim: number, rotaryDim: number): Float32Array {
  const map = halfSplitRowOfInterleavedRow(headDim, rotaryDim);
  const out = new Float32Array(w.length);
  for (let row = 0; row < rows; row++) {
    const head = Math.floor(row / headDim);
    const src = head * headDim + map[row % headDim];
    out.set(w.subarray(src * cols, (src + 1) * cols), row * cols);
  }
  return out;
}
