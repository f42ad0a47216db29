/**
 * What one Q-ROAR search (SPEC §5) needs besides its engines and texts, and the ONE place its
 * defaults are spelt: the dashboard's search panel, hooks/useQroarSearch, `bandscope search` and
 * lib/qroar read SEARCH_DEFAULTS, so the same settings run the same search on both sides.
 */
import type { NllEngine } from '../eval/engine';
import type { SearchWindow } from '../qroar/gridEdge';
import { DEFAULT_NOISE, type NoiseSettings } from '../qroar/noise';
import type { QroarVariant } from '../qroar/transform';

/**
 * The search defaults (SPEC §5): grid of 9 points log-spaced over the safe window [0.8, 1.25],
 * one coordinate sweep, guard tolerance 0.5 % (relative), `devWindows` dev windows of L′ per
 * candidate, the noise rule of lib/qroar/noise. Four dev windows, not the two the paired noise
 * test needs at least: on the default scenario (built-in model, dynamic NTK ×8 → 2048, w2g32a) two
 * windows chose g = [1.057, 1.057, 1, 0.8] — band 3 on the window's edge — and gained −0.083 nats
 * on the 32 test windows against −0.031 for the FP control (2.7×); four chose
 * g = [1.118, 1, 1, 0.846], −0.088 against −0.021 (4.1×): two windows fit the dev sample, not the
 * model. It costs twice the candidate runs (the CLI search: 43 s → 59 s).
 */
export interface SearchDefaults {
  gridPoints: number;
  lo: number;
  hi: number;
  sweeps: number;
  guardTolerance: number;
  devWindows: number;
  noise: NoiseSettings;
}

export const SEARCH_DEFAULTS: Readonly<SearchDefaults> = Object.freeze({
  gridPoints: 9,
  lo: 0.8,
  hi: 1.25,
  sweeps: 1,
  guardTolerance: 0.005,
  devWindows: 4,
  noise: DEFAULT_NOISE,
});

/** The default grid window (9 points in [0.8, 1.25]). */
export const DEFAULT_SEARCH_WINDOW: SearchWindow = { pointCount: SEARCH_DEFAULTS.gridPoints, lo: SEARCH_DEFAULTS.lo, hi: SEARCH_DEFAULTS.hi };

/**
 * The guard, one definition (docs/science.md "The short-context guard"): the quantized model with
 * the candidate scales on separate windows of S ≤ L tokens tiled over the dev text from its start,
 * each run as its own S-token run (so dynamic NTK uses its short-context base); as many windows as
 * the long dev windows cover: windows · max(1, ⌊L′/S⌋), fewer when the dev text holds fewer.
 */
export function guardWindowCount(devWindows: number, contextTokens: number, shortContextTokens: number, devTokenCount: number): number {
  return Math.min(devWindows * Math.max(1, Math.floor(contextTokens / shortContextTokens)), Math.floor(devTokenCount / shortContextTokens));
}

export const GUARD_DEFINITION =
  'Guard: the mean NLL of the quantized model with the candidate scales on separate windows of S ≤ L tokens tiled over the dev text (as many as the long dev windows cover), each run as its own short run, so dynamic NTK uses its short-context base; a candidate whose guard rises more than the tolerance (relative) above g = 1 on the same windows is rejected.';

/** 'quantized': the scenario's PTQ (weights and KV cache); 'fp': the full-precision control, same PI. */
export type EnginePrecision = 'quantized' | 'fp';

/** What a search engine bakes in: the precision, the band scales, and the taps the tie-break reads. */
export interface SearchEngineBuild {
  precision: EnginePrecision;
  /** Q-ROAR band scales g [bands] applied to W_Q/W_K before quantization (all 1 = the model as is). */
  scales: readonly number[];
  /** Decoder layers whose post-RoPE keys `k_post_<l>` the graph also returns (no query taps); absent = NLL only. */
  kTapLayers?: readonly number[];
}

/** Opens an engine of T = seqLen tokens for `build`; the search disposes it when done. */
export type SearchEngineOpener = (build: SearchEngineBuild, seqLen: number) => Promise<NllEngine>;

/** The search's model-side facts a driver reads off its ModelSpec. */
export interface SearchModelGeometry {
  numLayers: number;
  numKvHeads: number;
  headDim: number;
}

/** The variant and whether the KV quantization covers keys (a symmetric variant's no-op check). */
export interface SearchVariant {
  variant: QroarVariant;
  keysQuantized: boolean;
}
