// Test helper: a deliberately naive RoPE (HF apply_rotary_pos_emb semantics) used as an
// independent reference: x' = x·cos + rotate(x)·sin per pair (a, b) → (a cos − b sin, b cos + a sin),
// cos and sin both multiplied by the attention factor. Float64 math, Float32 output like a model tap.
import { pairRowsInHead } from '../../rope/layout';
import type { PairLayout } from '../../rope/types';

export function applyRopeRef(
  x: Float32Array,
  tokens: number,
  heads: number,
  headDim: number,
  rotaryDim: number,
  layout: PairLayout,
  invFreqRadPerToken: ArrayLike<number>,
  attentionFactor = 1,
): Float32Array {
  const out = new Float32Array(x.length);
  for (let t = 0; t < tokens; t++) {
    for (let h = 0; h < heads; h++) {
      const base = (t * heads + h) * headDim;
      for (let r = 0; r < headDim; r++) out[base + r] = x[base + r];
      for (let i = 0; i < rotaryDim / 2; i++) {
        const [ra, rb] = pairRowsInHead(layout, rotaryDim, i);
        const angle = t * invFreqRadPerToken[i];
        const c = Math.cos(angle) * attentionFactor;
        const s = Math.sin(angle) * attentionFactor;
        const a = x[base + ra];
        const b = x[base + rb];
        out[base + ra] = a * c - b * s;
        out[base + rb] = b * c + a * s;
      }
    }
  }
  return out;
}

/** θ_i = base^(−2i/d_r), rad/token. */
export function defaultInvFreq(rotaryDim: number, base: number): Float64Array {
  return Float64Array.from({ length: rotaryDim / 2 }, (_, i) => base ** (-(2 * i) / rotaryDim));
}

/** Random Float32Array of n standard normals from a seeded stream. */
export function gaussianArray(next: () => number, n: number, scale = 1): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = next() * scale;
  return out;
}
