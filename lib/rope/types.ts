/**
 * RoPE settings shared by every module. A `RopeConfig` is what a checkpoint
 * (config.json or GGUF metadata) or the user's PI choice says; lib/rope turns it
 * into inverse frequencies and an attention factor (SPEC §2).
 */
export type RopeType = 'default' | 'linear' | 'ntk' | 'dynamic' | 'yarn' | 'llama3' | 'longrope';

/**
 * Which rows of one head's q/k block form a rotary pair (SPEC §1).
 * half-split: pair i = rows (i, i + rotaryDim/2) — Hugging Face rotate_half.
 * interleaved: pair i = rows (2i, 2i + 1) — GGUF files of LLaMA-family archs.
 */
export type PairLayout = 'half-split' | 'interleaved';

export interface RopeConfig {
  type: RopeType;
  /** rope_theta, the base b. */
  thetaBase: number;
  /** Full head dimension (rows per head). */
  headDim: number;
  /** Rotary dims d_r = headDim × partial_rotary_factor (even, ≤ headDim). */
  rotaryDim: number;
  /** max_position_embeddings of the checkpoint. */
  maxPositionEmbeddings: number;
  /** original_max_position_embeddings when given. */
  originalMaxPositionEmbeddings?: number;
  /** Scaling factor s when given. */
  factor?: number;
  /** Explicit attention factor (yarn, longrope) when given. */
  attentionFactor?: number;
  betaFast?: number;
  betaSlow?: number;
  mscale?: number;
  mscaleAllDim?: number;
  truncate?: boolean;
  lowFreqFactor?: number;
  highFreqFactor?: number;
  shortFactor?: number[];
  longFactor?: number[];
  /** GGUF `rope_freqs` tensor: divides inv_freq per pair (llama.cpp freq_factors). */
  freqFactors?: number[];
}

/** A band: a contiguous range of whole pairs, inclusive (SPEC §1: both rows of a pair share one scale). */
export interface Band {
  bandIndex: number;
  firstPair: number;
  lastPair: number;
  label: string;
}

/** equal-log:B | yarn | custom:a-b,c-d,... as a parsed value. */
export type BandPartitionSpec = { kind: 'equal-log'; count: number } | { kind: 'yarn' } | { kind: 'custom'; ranges: Array<[number, number]> };
