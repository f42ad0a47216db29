import { describe, expect, it } from 'vitest';
import { activationPressure } from './activationPressure';
import { pairSampler } from './pairSampler';
import { createRng } from './rng';
import { bandIndexOfHeadRows } from './bandRows';
import { applyRopeRef, defaultInvFreq, gaussianArray } from './testing/rope';

const tokens = 64;
const heads = 4;
const kvHeads = 2;
const headDim = 10;
const rotaryDim = 8;
const bands = [
  { bandIndex: 0, firstPair: 0, lastPair: 1, label: 'fast' },
  { bandIndex: 1, firstPair: 2, lastPair: 3, label: 'slow' },
];

describe('activationPressure', () => {
  const rng = createRng(21);
  const q = gaussianArray(rng.nextGaussian, tokens * heads * headDim);
  const k = gaussianArray(rng.nextGaussian, tokens * kvHeads * headDim);
  const theta = defaultInvFreq(rotaryDim, 100);
  const thetaPi = Float64Array.from(theta, (t, i) => (i >= 2 ? t / 4 : t));
  const pairs = pairSampler(tokens, 300, 4);

  for (const layout of ['half-split', 'interleaved'] as const) {
    it(`matches brute force through an explicit RoPE (${layout}, GQA 4→2, attention factor)`, () => {
      const aPi = 1.2;
      const res = activationPressure({
        q,
        k,
        tokens,
        heads,
        kvHeads,
        headDim,
        rotaryDim,
        layout,
        bands,
        invFreqOriginalRadPerToken: theta,
        invFreqInterpolatedRadPerToken: thetaPi,
        attentionFactorInterpolated: aPi,
        pairs,
      });
      const qO = applyRopeRef(q, tokens, heads, headDim, rotaryDim, layout, theta);
      const kO = applyRopeRef(k, tokens, kvHeads, headDim, rotaryDim, layout, theta);
      const qP = applyRopeRef(q, tokens, heads, headDim, rotaryDim, layout, thetaPi, aPi);
      const kP = applyRopeRef(k, tokens, kvHeads, headDim, rotaryDim, layout, thetaPi, aPi);
      const bandOfRow = bandIndexOfHeadRows(layout, headDim, rotaryDim, bands);
      const num = new Float64Array(heads * 2);
      const den = new Float64Array(heads * 2);
      for (let s = 0; s < 300; s++) {
        const m = pairs.queryPos[s];
        const n = pairs.keyPos[s];
        for (let h = 0; h < heads; h++) {
          const kv = h >> 1;
          const lO = [0, 0];
          const lP = [0, 0];
          for (let r = 0; r < headDim; r++) {
            const b = bandOfRow[r];
            if (b < 0) continue;
            lO[b] += qO[(m * heads + h) * headDim + r] * kO[(n * kvHeads + kv) * headDim + r];
            lP[b] += qP[(m * heads + h) * headDim + r] * kP[(n * kvHeads + kv) * headDim + r];
          }
          for (let b = 0; b < 2; b++) {
            num[h * 2 + b] += Math.abs(lP[b] - lO[b]);
            den[h * 2 + b] += Math.abs(lO[b]);
          }
        }
      }
      for (let i = 0; i < heads * 2; i++) expect(res.perHead[i]).toBeCloseTo(num[i] / den[i], 4);
      for (let b = 0; b < 2; b++) {
        let sn = 0;
        let sd = 0;
        for (let h = 0; h < heads; h++) {
          sn += num[h * 2 + b];
          sd += den[h * 2 + b];
        }
        expect(res.pooled[b]).toBeCloseTo(sn / sd, 4);
      }
    });
  }

  it('θ′ = θ with equal attention factors gives zero pressure', () => {
    const res = activationPressure({
      q,
      k,
      tokens,
      heads,
      kvHeads,
      headDim,
      rotaryDim,
      layout: 'half-split',
      bands,
      invFreqOriginalRadPerToken: theta,
      invFreqInterpolatedRadPerToken: theta,
      pairs,
    });
    expect(Array.from(res.pooled)).toEqual([0, 0]);
  });

  it('one pair by hand: q̃ = 1, k̃ = 1 → ℓ = cos(Δθ)', () => {
    const q1 = new Float32Array(3 * 2);
    const k1 = new Float32Array(3 * 2);
    for (let t = 0; t < 3; t++) {
      q1[t * 2] = 1;
      k1[t * 2] = 1;
    }
    const res = activationPressure({
      q: q1,
      k: k1,
      tokens: 3,
      heads: 1,
      kvHeads: 1,
      headDim: 2,
      rotaryDim: 2,
      layout: 'interleaved',
      bands: [bands[0]].map((b) => ({ ...b, lastPair: 0 })),
      invFreqOriginalRadPerToken: [0.5],
      invFreqInterpolatedRadPerToken: [0.25],
      pairs: { queryPos: Int32Array.from([2]), keyPos: Int32Array.from([0]) },
    });
    expect(res.pooled[0]).toBeCloseTo(Math.abs(Math.cos(0.5) - Math.cos(1)) / Math.abs(Math.cos(1)), 12);
  });

  it('rejects bad inv_freq lengths and non-causal samples', () => {
    const base = {
      q,
      k,
      tokens,
      heads,
      kvHeads,
      headDim,
      rotaryDim,
      layout: 'half-split' as const,
      bands,
      invFreqOriginalRadPerToken: theta,
      invFreqInterpolatedRadPerToken: theta,
    };
    expect(() => activationPressure({ ...base, invFreqOriginalRadPerToken: [1], pairs })).toThrow(/lengths 1, 4 ≠ rotaryDim\/2 = 4/);
    expect(() => activationPressure({ ...base, pairs: { queryPos: Int32Array.from([1]), keyPos: Int32Array.from([1]) } })).toThrow(/sample 0/);
  });
});
