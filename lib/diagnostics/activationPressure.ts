import { pairRowsInHead } from '../rope/layout';
import { checkTokenHeadTensor } from './bandRows';
import type { PositionPairs } from './pairSampler';
import type { QkGeometry } from './qkGeometry';

/**
 * Activation-based Interpolation Pressure (SPEC §4, definitions v1 — ours):
 *   IP_B = E|ℓ_B(m,n;θ') − ℓ_B(m,n;θ)| / E|ℓ_B(m,n;θ)|
 * over the sampled pairs (m > n), where ℓ_B is band B's share of the logit q_m·k_n after
 * RoPE: ℓ_B(θ) = a² Σ_{i∈B} Re[q̃_i(m)·conj(k̃_i(n))·e^{jΔθ_i}], Δ = m − n, q̃_i = q_a + j·q_b
 * from the pair's two rows of the pre-RoPE tensor, a = the method's attention factor
 * (a for θ, a' for θ'). The 1/√d logit scale cancels in the ratio and is left out.
 * Expectations are plain means over the samples × heads given (pooled: sums of numerators and
 * denominators over all heads, so heads with large logits weigh more). A zero denominator
 * gives NaN (or Infinity).
 *
 * Rotations are taken from inv_freq directly (cos/sin of Δ·θ_i), so no cos/sin tables and no
 * post-RoPE tensors are needed; RoPE's relative-position property makes this exact.
 */
export interface ActivationPressureInput extends QkGeometry {
  /** Pre-RoPE queries, Float32Array [tokens, heads, headDim], token-major. */
  q: Float32Array;
  /** Pre-RoPE keys, Float32Array [tokens, kvHeads, headDim]. Query head h reads kv head ⌊h / (heads/kvHeads)⌋. */
  k: Float32Array;
  /** Original θ, [rotaryDim/2], rad/token. */
  invFreqOriginalRadPerToken: ArrayLike<number>;
  /** PI-modified θ', [rotaryDim/2], rad/token. */
  invFreqInterpolatedRadPerToken: ArrayLike<number>;
  /** Attention factor of the original rope (default 1). */
  attentionFactorOriginal?: number;
  /** Attention factor of the PI method (default 1; YaRN: 0.1 ln s + 1). */
  attentionFactorInterpolated?: number;
  /** Sampled pairs (pairSampler), positions < tokens. */
  pairs: PositionPairs;
}

export interface ActivationPressureResult {
  /** IP per band pooled over heads, Float64Array [bands]. */
  pooled: Float64Array;
  /** IP per head and band, Float64Array [heads, bands], bands contiguous. */
  perHead: Float64Array;
  /** E|ℓ_B(θ') − ℓ_B(θ)| pooled, logit units without 1/√d, Float64Array [bands]. */
  meanAbsShift: Float64Array;
  /** E|ℓ_B(θ)| pooled, Float64Array [bands]. */
  meanAbsLogit: Float64Array;
}

/** See ActivationPressureInput. Cost O(samples · heads · rotaryDim/2); memory O(heads · bands). */
export function activationPressure(input: ActivationPressureInput): ActivationPressureResult {
  const { q, k, tokens, heads, kvHeads, headDim, rotaryDim, layout, bands, pairs } = input;
  checkTokenHeadTensor('activationPressure q', q, tokens, heads, headDim);
  checkTokenHeadTensor('activationPressure k', k, tokens, kvHeads, headDim);
  if (heads % kvHeads !== 0) throw new Error(`activationPressure: heads ${heads} not a multiple of kvHeads ${kvHeads}`);
  if (rotaryDim > headDim || rotaryDim % 2 !== 0) throw new Error(`activationPressure: rotaryDim ${rotaryDim} must be even and ≤ headDim ${headDim}`);
  const pairCount = rotaryDim >> 1;
  const theta = input.invFreqOriginalRadPerToken;
  const thetaPi = input.invFreqInterpolatedRadPerToken;
  if (theta.length !== pairCount || thetaPi.length !== pairCount) {
    throw new Error(`activationPressure: inv_freq lengths ${theta.length}, ${thetaPi.length} ≠ rotaryDim/2 = ${pairCount}`);
  }
  const a2 = (input.attentionFactorOriginal ?? 1) ** 2;
  const a2Pi = (input.attentionFactorInterpolated ?? 1) ** 2;
  const sampleCount = pairs.queryPos.length;
  if (pairs.keyPos.length !== sampleCount) throw new Error(`activationPressure: queryPos ${sampleCount} vs keyPos ${pairs.keyPos.length} samples`);

  const bandCount = bands.length;
  const bandFirst = new Int32Array(bandCount);
  const bandLast = new Int32Array(bandCount);
  for (let b = 0; b < bandCount; b++) {
    if (bands[b].firstPair < 0 || bands[b].lastPair >= pairCount || bands[b].firstPair > bands[b].lastPair) {
      throw new Error(`activationPressure: band ${b} pairs ${bands[b].firstPair}…${bands[b].lastPair} outside 0…${pairCount - 1}`);
    }
    bandFirst[b] = bands[b].firstPair;
    bandLast[b] = bands[b].lastPair;
  }
  const rowA = new Int32Array(pairCount);
  const rowB = new Int32Array(pairCount);
  for (let i = 0; i < pairCount; i++) [rowA[i], rowB[i]] = pairRowsInHead(layout, rotaryDim, i);

  const num = new Float64Array(heads * bandCount);
  const den = new Float64Array(heads * bandCount);
  const cosO = new Float64Array(pairCount);
  const sinO = new Float64Array(pairCount);
  const cosP = new Float64Array(pairCount);
  const sinP = new Float64Array(pairCount);
  const groupSize = heads / kvHeads;
  const qTokenStride = heads * headDim;
  const kTokenStride = kvHeads * headDim;
  for (let s = 0; s < sampleCount; s++) {
    const m = pairs.queryPos[s];
    const n = pairs.keyPos[s];
    if (!(m > n && n >= 0 && m < tokens)) throw new Error(`activationPressure: sample ${s} has (m ${m}, n ${n}); need 0 ≤ n < m < tokens ${tokens}`);
    const delta = m - n;
    for (let i = 0; i < pairCount; i++) {
      cosO[i] = Math.cos(delta * theta[i]);
      sinO[i] = Math.sin(delta * theta[i]);
      cosP[i] = Math.cos(delta * thetaPi[i]);
      sinP[i] = Math.sin(delta * thetaPi[i]);
    }
    for (let h = 0; h < heads; h++) {
      const qBase = m * qTokenStride + h * headDim;
      const kBase = n * kTokenStride + Math.floor(h / groupSize) * headDim;
      for (let b = 0; b < bandCount; b++) {
        let lO = 0;
        let lP = 0;
        for (let i = bandFirst[b]; i <= bandLast[b]; i++) {
          const qa = q[qBase + rowA[i]];
          const qb = q[qBase + rowB[i]];
          const ka = k[kBase + rowA[i]];
          const kb = k[kBase + rowB[i]];
          // Re[(q̃·conj k̃)·e^{jΔθ}] with q̃·conj k̃ = (qa ka + qb kb) + j(qb ka − qa kb).
          const re = qa * ka + qb * kb;
          const im = qb * ka - qa * kb;
          lO += re * cosO[i] - im * sinO[i];
          lP += re * cosP[i] - im * sinP[i];
        }
        num[h * bandCount + b] += Math.abs(a2Pi * lP - a2 * lO);
        den[h * bandCount + b] += Math.abs(a2 * lO);
      }
    }
  }
  const perHead = new Float64Array(heads * bandCount);
  const pooled = new Float64Array(bandCount);
  const meanAbsShift = new Float64Array(bandCount);
  const meanAbsLogit = new Float64Array(bandCount);
  const total = sampleCount * heads;
  for (let b = 0; b < bandCount; b++) {
    let sn = 0;
    let sd = 0;
    for (let h = 0; h < heads; h++) {
      perHead[h * bandCount + b] = num[h * bandCount + b] / den[h * bandCount + b];
      sn += num[h * bandCount + b];
      sd += den[h * bandCount + b];
    }
    pooled[b] = sn / sd;
    meanAbsShift[b] = sn / total;
    meanAbsLogit[b] = sd / total;
  }
  return { pooled, perHead, meanAbsShift, meanAbsLogit };
}
