import type { Band, PairLayout } from '../rope/types';

/**
 * The shape of one layer's q/k taps that every activation diagnostic reads: q is
 * Float32Array [tokens, heads, headDim] and k is [tokens, kvHeads, headDim] (token-major,
 * headDim contiguous); query head h reads kv head ⌊h / (heads/kvHeads)⌋; pairs lie in the
 * first rotaryDim rows of a head in `layout`, grouped into `bands`.
 */
export interface QkGeometry {
  tokens: number;
  heads: number;
  kvHeads: number;
  headDim: number;
  rotaryDim: number;
  layout: PairLayout;
  bands: readonly Band[];
}
