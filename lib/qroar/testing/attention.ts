// Test helpers: a tiny q/k projection + causal logit computation, independent of lib/qroar.

/** y[t, o] = Σ_c x[t, c]·w[o, c] + b[o]; x [tokens, inCols], w [outRows, inCols]. Output [tokens, outRows]. */
export function project(x: Float32Array, w: Float32Array, b: Float32Array | undefined, tokens: number, inCols: number, outRows: number): Float32Array {
  const y = new Float32Array(tokens * outRows);
  for (let t = 0; t < tokens; t++) {
    for (let o = 0; o < outRows; o++) {
      let s = b ? b[o] : 0;
      for (let c = 0; c < inCols; c++) s += x[t * inCols + c] * w[o * inCols + c];
      y[t * outRows + o] = s;
    }
  }
  return y;
}

/**
 * All causal logits ℓ[h, m, n] = q[m,h]·k[n,kv(h)] restricted to rows where rowMask[row] (all rows
 * when absent), for n ≤ m; flattened in (h, m, n) order. Float64.
 */
export function causalLogits(
  q: Float32Array,
  k: Float32Array,
  tokens: number,
  heads: number,
  kvHeads: number,
  headDim: number,
  rowMask?: (row: number) => boolean,
): Float64Array {
  const out: number[] = [];
  const group = heads / kvHeads;
  for (let h = 0; h < heads; h++) {
    for (let m = 0; m < tokens; m++) {
      for (let n = 0; n <= m; n++) {
        let s = 0;
        for (let r = 0; r < headDim; r++) {
          if (rowMask && !rowMask(r)) continue;
          s += q[(m * heads + h) * headDim + r] * k[(n * kvHeads + Math.floor(h / group)) * headDim + r];
        }
        out.push(s);
      }
    }
  }
  return Float64Array.from(out);
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`maxAbsDiff: ${a.length} vs ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

export function maxAbs(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]));
  return m;
}
