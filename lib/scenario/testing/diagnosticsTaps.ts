/**
 * Test-only: tiny synthetic diagnostics taps — 2 layers, 2 query heads over 1 KV head, headDim 4
 * (2 rotary pairs), 2 bands of one pair each, 16 tokens — with seeded values, so the analysis math
 * (computeDiagnostics, the slider proxy) can be checked against closed forms and hand computations.
 */
import type { Band } from '../../rope/types';
import type { DiagnosticsInput, TapSet } from '../diagnosticsCompute';

export const TAP_TOKENS = 16;
export const TAP_HEADS = 2;
export const TAP_KV_HEADS = 1;
export const TAP_HEAD_DIM = 4;
export const TAP_LAYERS = [0, 1];
export const TAP_BANDS: Band[] = [
  { bandIndex: 0, firstPair: 0, lastPair: 0, label: 'B0' },
  { bandIndex: 1, firstPair: 1, lastPair: 1, label: 'B1' },
];

function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32 - 0.5;
  };
}

/** q/k pre- and post-RoPE taps of every layer, uniform in [−scale/2, scale/2) from `seed`. */
export function seededTaps(seed: number, scale = 1, tokens = TAP_TOKENS): TapSet {
  const r = lcg(seed);
  const set: TapSet = {};
  for (const l of TAP_LAYERS) {
    for (const [tap, heads] of [
      ['q_pre', TAP_HEADS],
      ['k_pre', TAP_KV_HEADS],
      ['q_post', TAP_HEADS],
      ['k_post', TAP_KV_HEADS],
    ] as const) {
      set[`${tap}_${l}`] = Float32Array.from({ length: tokens * heads * TAP_HEAD_DIM }, () => r() * scale);
    }
  }
  return set;
}

export function scaledTaps(set: TapSet, factor: number): TapSet {
  return Object.fromEntries(Object.entries(set).map(([k, v]) => [k, v.map((x) => x * factor)]));
}

/**
 * A diagnostics input whose long FP run is the short one ×2 (TIR 2 everywhere) and whose quantized
 * run equals the FP run (zero logit error and KL), with 3-word logits; `overrides` change any field.
 */
export function syntheticDiagnosticsInput(overrides: Partial<DiagnosticsInput> = {}): DiagnosticsInput {
  const short = seededTaps(7);
  const T = TAP_TOKENS;
  return {
    geometry: {
      heads: TAP_HEADS,
      kvHeads: TAP_KV_HEADS,
      headDim: TAP_HEAD_DIM,
      rotaryDim: TAP_HEAD_DIM,
      layout: 'half-split',
      layers: TAP_LAYERS,
      bands: TAP_BANDS,
      trainedWindowTokens: 8,
    },
    longTokens: T,
    shortTokens: T,
    longFp: scaledTaps(short, 2),
    shortFp: short,
    longQuant: scaledTaps(short, 2),
    fpLogits: Float32Array.from({ length: T * 3 }, (_, i) => (i % 3) - 1),
    quantLogits: Float32Array.from({ length: T * 3 }, (_, i) => (i % 3) - 1),
    vocab: 3,
    tirQuantile: 0.9,
    pairCount: 40,
    seed: 3,
    ...overrides,
  };
}
