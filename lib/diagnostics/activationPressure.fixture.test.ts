// Independent check of the rotation convention against the PyTorch reference (training/model.py):
// layer-0 q/k taps of the built-in model, default RoPE (half-split, base 1e4, headDim 64,
// 4 heads, 2 KV heads). With θ = 0 the "original" logit is the pre-RoPE dot product and with
// θ' = the model's inv_freq it must be PyTorch's post-RoPE dot product, band by band.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { activationPressure } from './activationPressure';
import { bandIndexOfHeadRows } from './bandRows';
import { pairSampler } from './pairSampler';

const dir = join(__dirname, '../../training/fixture');
const load = (name: string) => {
  const b = readFileSync(join(dir, name));
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
};

describe('activationPressure vs PyTorch taps', () => {
  it('band logits rotated from pre-RoPE taps equal the post-RoPE taps’ band logits', () => {
    const tokens = 64;
    const heads = 4;
    const kvHeads = 2;
    const headDim = 64;
    const qPre = load('tap_default_q_pre.bin');
    const kPre = load('tap_default_k_pre.bin');
    const qPost = load('tap_default_q_post.bin');
    const kPost = load('tap_default_k_post.bin');
    const bands = [0, 1, 2, 3].map((b) => ({ bandIndex: b, firstPair: 8 * b, lastPair: 8 * b + 7, label: `b${b}` }));
    const theta = Float64Array.from({ length: 32 }, (_, i) => 10000 ** (-(2 * i) / 64));
    const pairs = pairSampler(tokens, 400, 1);
    const r = activationPressure({
      q: qPre,
      k: kPre,
      tokens,
      heads,
      kvHeads,
      headDim,
      rotaryDim: headDim,
      layout: 'half-split',
      bands,
      invFreqOriginalRadPerToken: new Float64Array(32),
      invFreqInterpolatedRadPerToken: theta,
      pairs,
    });
    const bandOfRow = bandIndexOfHeadRows('half-split', headDim, headDim, bands);
    const shift = new Float64Array(4);
    const pre = new Float64Array(4);
    for (let s = 0; s < 400; s++) {
      const m = pairs.queryPos[s];
      const n = pairs.keyPos[s];
      for (let h = 0; h < heads; h++) {
        const lPost = new Float64Array(4);
        const lPre = new Float64Array(4);
        for (let row = 0; row < headDim; row++) {
          const qi = (m * heads + h) * headDim + row;
          const ki = (n * kvHeads + (h >> 1)) * headDim + row;
          lPost[bandOfRow[row]] += qPost[qi] * kPost[ki];
          lPre[bandOfRow[row]] += qPre[qi] * kPre[ki];
        }
        for (let b = 0; b < 4; b++) {
          shift[b] += Math.abs(lPost[b] - lPre[b]);
          pre[b] += Math.abs(lPre[b]);
        }
      }
    }
    for (let b = 0; b < 4; b++) {
      const rel = (a: number, e: number) => Math.abs(a - e) / Math.abs(e);
      expect(rel(r.meanAbsShift[b], shift[b] / 1600)).toBeLessThan(1e-4);
      expect(rel(r.meanAbsLogit[b], pre[b] / 1600)).toBeLessThan(1e-5);
      expect(rel(r.pooled[b], shift[b] / pre[b])).toBeLessThan(1e-4);
    }
    // The slowest band barely rotates in 64 tokens; the fastest rotates fully.
    expect(r.pooled[3]).toBeLessThan(r.pooled[0]);
  });
});
