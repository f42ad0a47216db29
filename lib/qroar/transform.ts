import type { Band, PairLayout } from '../rope/types';
import { rowScalesForProjection } from './scales';

/**
 * The Q-ROAR weight transform (SPEC §5), applied to one layer's q_proj / k_proj:
 *   symmetric:  W_Q ← D(g)·W_Q, W_K ← D(g)⁻¹·W_K  (every logit unchanged in exact arithmetic)
 *   shared:     W_Q ← D(g)·W_Q, W_K ← D(g)·W_K    (band logit × g², a per-band temperature)
 *   query-only: W_Q ← D(g)·W_Q                    (band logit × g)
 * D(g) puts g_B on both rows of each pair of band B in every head (SPEC §1), so it commutes
 * with RoPE. Biases are scaled like their rows. Scale first, then quantize; for row-local
 * quantizers that equals multiplying the quantized rows' block scales by the same factors,
 * which `qroarRowFactors` exposes for GGUF / MatMulNBits editors.
 */
export type QroarVariant = 'symmetric' | 'shared' | 'query-only';

export const QROAR_VARIANTS: readonly QroarVariant[] = ['symmetric', 'shared', 'query-only'];

export interface QroarLayerGeometry {
  variant: QroarVariant;
  /** One layer's band scales, [bands], each finite and > 0. */
  bandScales: ArrayLike<number>;
  bands: readonly Band[];
  /** Pairing layout of these weights as stored. */
  layout: PairLayout;
  numHeads: number;
  numKvHeads: number;
  headDim: number;
  rotaryDim: number;
}

export interface QroarRowFactors {
  /** Factor of each q_proj output row, Float64Array [numHeads · headDim]. */
  q: Float64Array;
  /** Factor of each k_proj output row, Float64Array [numKvHeads · headDim]. */
  k: Float64Array;
}

export interface QroarWeights {
  /** q_proj weight, Float32Array [numHeads·headDim, inCols], row-major (nn.Linear). */
  wq: Float32Array;
  /** k_proj weight, Float32Array [numKvHeads·headDim, inCols]. */
  wk: Float32Array;
  /** q_proj bias, Float32Array [numHeads·headDim], when the model has one. */
  bq?: Float32Array;
  /** k_proj bias, Float32Array [numKvHeads·headDim]. */
  bk?: Float32Array;
}

/** Row factors of both projections for a variant (k factors are 1/g, g or 1). */
export function qroarRowFactors(geometry: QroarLayerGeometry): QroarRowFactors {
  const { variant, bandScales, bands, layout, numHeads, numKvHeads, headDim, rotaryDim } = geometry;
  if (!QROAR_VARIANTS.includes(variant)) throw new Error(`qroar: unknown variant '${variant}'`);
  if (numHeads % numKvHeads !== 0) throw new Error(`qroar: numHeads ${numHeads} not a multiple of numKvHeads ${numKvHeads}`);
  const q = rowScalesForProjection(bandScales, { numHeads, headDim, rotaryDim, layout, bands });
  const k = rowScalesForProjection(bandScales, { numHeads: numKvHeads, headDim, rotaryDim, layout, bands });
  if (variant === 'symmetric') for (let r = 0; r < k.length; r++) k[r] = 1 / k[r];
  else if (variant === 'query-only') k.fill(1);
  return { q, k };
}

/**
 * Multiplies each row of weight [rows, cols] (row-major) by rowFactors[row], in place.
 * Products are rounded once to float32.
 */
export function scaleRowsInPlace(weight: Float32Array, rows: number, cols: number, rowFactors: ArrayLike<number>): void {
  if (weight.length !== rows * cols) throw new Error(`scaleRowsInPlace: length ${weight.length} ≠ rows ${rows} × cols ${cols}`);
  if (rowFactors.length !== rows) throw new Error(`scaleRowsInPlace: ${rowFactors.length} factors for ${rows} rows`);
  for (let r = 0; r < rows; r++) {
    const f = rowFactors[r];
    if (f === 1) continue;
    const base = r * cols;
    for (let c = 0; c < cols; c++) weight[base + c] *= f;
  }
}

/** Pure form of the transform: returns new arrays (biases only when given). */
export function applyQroarTransform(geometry: QroarLayerGeometry, weights: QroarWeights): QroarWeights {
  const out: QroarWeights = { wq: weights.wq.slice(), wk: weights.wk.slice() };
  if (weights.bq) out.bq = weights.bq.slice();
  if (weights.bk) out.bk = weights.bk.slice();
  applyQroarTransformInPlace(geometry, out);
  return out;
}

/** In-place form of the transform: overwrites wq, wk, bq, bk. */
export function applyQroarTransformInPlace(geometry: QroarLayerGeometry, weights: QroarWeights): void {
  const { numHeads, numKvHeads, headDim } = geometry;
  const qRows = numHeads * headDim;
  const kRows = numKvHeads * headDim;
  if (weights.wq.length % qRows !== 0) throw new Error(`qroar: wq length ${weights.wq.length} not a multiple of numHeads ${numHeads} × headDim ${headDim}`);
  const inCols = weights.wq.length / qRows;
  if (weights.wk.length !== kRows * inCols) {
    throw new Error(`qroar: wk length ${weights.wk.length} ≠ numKvHeads ${numKvHeads} × headDim ${headDim} × inCols ${inCols}`);
  }
  if (weights.bq && weights.bq.length !== qRows) throw new Error(`qroar: bq length ${weights.bq.length} ≠ ${qRows}`);
  if (weights.bk && weights.bk.length !== kRows) throw new Error(`qroar: bk length ${weights.bk.length} ≠ ${kRows}`);
  const factors = qroarRowFactors(geometry);
  scaleRowsInPlace(weights.wq, qRows, inCols, factors.q);
  scaleRowsInPlace(weights.wk, kRows, inCols, factors.k);
  if (weights.bq) scaleRowsInPlace(weights.bq, qRows, 1, factors.q);
  if (weights.bk) scaleRowsInPlace(weights.bk, kRows, 1, factors.k);
}
