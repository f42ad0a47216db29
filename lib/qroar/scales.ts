import type { Band, PairLayout } from '../rope/types';
import { bandIndexOfHeadRows } from '../diagnostics/bandRows';

/**
 * Q-ROAR band scales → per-row factors (SPEC §5). A scale g_B applies to both rows of every
 * pair of band B in every head (query heads for q_proj, KV heads for k_proj under GQA — the
 * scale is a function of the pair index only), in the pairing layout of the weights at hand.
 * Rows past rotaryDim and pairs in no band get 1.
 */
export interface ProjectionRows {
  /** Heads in this projection: numHeads for q_proj, numKvHeads for k_proj. */
  numHeads: number;
  headDim: number;
  rotaryDim: number;
  layout: PairLayout;
  bands: readonly Band[];
}

/** Global (Float64Array [bands]) or per-layer (Float64Array [bands] per layer) band scales. */
export type BandScales = ArrayLike<number> | readonly ArrayLike<number>[];

/**
 * Band scales for one layer. Input: global [bandCount] or per-layer [layers][bandCount].
 * Output: Float64Array [bandCount] (a copy). Throws on a missing layer, a wrong length or a
 * scale that is not finite and > 0 (the row-scaling identities need g > 0).
 */
export function bandScalesForLayer(scales: BandScales, layerIndex: number, bandCount: number): Float64Array {
  const perLayer = isPerLayer(scales);
  const row = perLayer ? scales[layerIndex] : scales;
  if (row === undefined) throw new Error(`bandScalesForLayer: no scales for layer ${layerIndex} (have ${(scales as readonly unknown[]).length} layers)`);
  if (row.length !== bandCount) throw new Error(`bandScalesForLayer: ${row.length} scales for ${bandCount} bands (layer ${layerIndex})`);
  const out = Float64Array.from(row);
  for (let b = 0; b < bandCount; b++) {
    if (!(Number.isFinite(out[b]) && out[b] > 0)) throw new Error(`bandScalesForLayer: scale ${out[b]} of band ${b} must be finite and > 0`);
  }
  return out;
}

function isPerLayer(scales: BandScales): scales is readonly ArrayLike<number>[] {
  return scales.length > 0 && typeof (scales as ArrayLike<unknown>)[0] === 'object';
}

/**
 * Per-output-row factors D(g) of one projection.
 * Input: bandScales [bands] (> 0). Output: Float64Array [numHeads · headDim], head-major —
 * the output-row order of nn.Linear q_proj/k_proj weights ([numHeads·headDim, hidden]).
 */
export function rowScalesForProjection(bandScales: ArrayLike<number>, rows: ProjectionRows): Float64Array {
  const { numHeads, headDim, rotaryDim, layout, bands } = rows;
  if (bandScales.length !== bands.length) throw new Error(`rowScalesForProjection: ${bandScales.length} scales for ${bands.length} bands`);
  if (!Number.isInteger(numHeads) || numHeads < 1) throw new Error(`rowScalesForProjection: numHeads ${numHeads}`);
  const bandOfRow = bandIndexOfHeadRows(layout, headDim, rotaryDim, bands);
  const headFactors = new Float64Array(headDim);
  for (let r = 0; r < headDim; r++) {
    const b = bandOfRow[r];
    const g = b < 0 ? 1 : bandScales[b];
    if (!(Number.isFinite(g) && g > 0)) throw new Error(`rowScalesForProjection: scale ${g} of band ${b} must be finite and > 0`);
    headFactors[r] = g;
  }
  const out = new Float64Array(numHeads * headDim);
  for (let h = 0; h < numHeads; h++) out.set(headFactors, h * headDim);
  return out;
}
