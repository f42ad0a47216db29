import { describe, expect, it } from 'vitest';
import { rtnFakeQuant } from '../quant/rtn';
import { createRng } from '../diagnostics/rng';
import { pairSampler } from '../diagnostics/pairSampler';
import { applyRopeRef, defaultInvFreq, gaussianArray } from '../diagnostics/testing/rope';
import { applyQroarTransform, type QroarVariant, type QroarWeights } from './transform';
import { createLogitProxy, proxySearchObjective } from './proxy';
import { runBandSearch } from './search';
import { project } from './testing/attention';

const tokens = 40;
const hidden = 32;
const heads = 4;
const kvHeads = 2;
const headDim = 8;
const rotaryDim = 8;
const layout = 'interleaved' as const;
const bands = [
  { bandIndex: 0, firstPair: 0, lastPair: 1, label: 'fast' },
  { bandIndex: 1, firstPair: 2, lastPair: 3, label: 'slow' },
];
const invFreq = Float64Array.from(defaultInvFreq(rotaryDim, 10000), (t, i) => (i >= 2 ? t / 4 : t));
const attentionFactor = 1.14;
const rng = createRng(77);
const x = gaussianArray(rng.nextGaussian, tokens * hidden);
const fp: QroarWeights = {
  wq: gaussianArray(rng.nextGaussian, heads * headDim * hidden, 0.3),
  wk: gaussianArray(rng.nextGaussian, kvHeads * headDim * hidden, 0.3),
  bq: gaussianArray(rng.nextGaussian, heads * headDim, 0.1),
  bk: gaussianArray(rng.nextGaussian, kvHeads * headDim, 0.1),
};
const pairs = pairSampler(tokens, 200, 3);
const rtn = { bits: 3, groupSize: 16, symmetric: false };

function qk(w: QroarWeights, quantize: boolean): { q: Float32Array; k: Float32Array } {
  const wq = quantize ? rtnFakeQuant(w.wq, heads * headDim, hidden, rtn) : w.wq;
  const wk = quantize ? rtnFakeQuant(w.wk, kvHeads * headDim, hidden, rtn) : w.wk;
  return {
    q: applyRopeRef(project(x, wq, w.bq, tokens, hidden, heads * headDim), tokens, heads, headDim, rotaryDim, layout, invFreq, attentionFactor),
    k: applyRopeRef(project(x, wk, w.bk, tokens, hidden, kvHeads * headDim), tokens, kvHeads, headDim, rotaryDim, layout, invFreq, attentionFactor),
  };
}

/** Post-RoPE per-(token, kv head) abs-max int4 key quantizer: couples the rows of a head. */
function quantizeKeys(k: Float32Array): void {
  for (let base = 0; base < k.length; base += headDim) {
    let amax = 0;
    for (let r = 0; r < headDim; r++) amax = Math.max(amax, Math.abs(k[base + r]));
    const step = amax / 7 || 1;
    for (let r = 0; r < headDim; r++) k[base + r] = Math.round(k[base + r] / step) * step;
  }
}

/** Ground truth: transform the weights, quantize, run the layer, RMS logit error vs FP on the samples. */
function explicitRms(variant: QroarVariant, g: number[], kvQuant: boolean): number {
  const ref = qk(fp, false);
  const out = qk(applyQroarTransform({ variant, bandScales: g, bands, layout, numHeads: heads, numKvHeads: kvHeads, headDim, rotaryDim }, fp), true);
  if (kvQuant) quantizeKeys(out.k);
  let sq = 0;
  for (let s = 0; s < pairs.queryPos.length; s++) {
    const m = pairs.queryPos[s];
    const n = pairs.keyPos[s];
    for (let h = 0; h < heads; h++) {
      let e = 0;
      for (let r = 0; r < headDim; r++) {
        const qi = (m * heads + h) * headDim + r;
        const ki = (n * kvHeads + (h >> 1)) * headDim + r;
        e += out.q[qi] * out.k[ki] - ref.q[qi] * ref.k[ki];
      }
      sq += (e / Math.sqrt(headDim)) ** 2;
    }
  }
  return Math.sqrt(sq / (pairs.queryPos.length * heads));
}

describe('createLogitProxy', () => {
  const ref = qk(fp, false);
  const quant = qk(fp, true);
  const make = (variant: QroarVariant, kv: boolean) =>
    createLogitProxy({
      refQ: ref.q,
      refK: ref.k,
      quantQ: quant.q,
      quantK: quant.k,
      tokens,
      heads,
      kvHeads,
      headDim,
      rotaryDim,
      layout,
      bands,
      pairs,
      variant,
      quantizeKeysInPlace: kv ? (k) => quantizeKeys(k) : undefined,
    });

  for (const variant of ['shared', 'query-only', 'symmetric'] as const) {
    it(`${variant}: predicts the RMS logit error of the scaled-then-RTN-quantized layer`, () => {
      const proxy = make(variant, false);
      for (const g of [
        [1, 1],
        [0.8, 1.25],
        [1.118, 0.894],
      ]) {
        expect(proxy.evaluate(g).rms).toBeCloseTo(explicitRms(variant, g, false), 5);
      }
      const moved = Math.abs(proxy.evaluate([0.8, 1.25]).rms - proxy.evaluate([1, 1]).rms);
      if (variant === 'symmetric') expect(moved).toBe(0);
      else expect(moved).toBeGreaterThan(1e-2 * proxy.evaluate([1, 1]).rms);
    });
  }

  it('symmetric without KV quantization is constant; with a row-coupling key quantizer it is not, and still exact', () => {
    const plain = make('symmetric', false);
    expect(plain.evaluate([0.8, 1.25]).rms).toBe(plain.evaluate([1, 1]).rms);
    const kv = make('symmetric', true);
    for (const g of [
      [1, 1],
      [0.8, 1.25],
    ])
      expect(kv.evaluate(g).rms).toBeCloseTo(explicitRms('symmetric', g, true), 5);
    expect(Math.abs(kv.evaluate([0.8, 1.25]).rms - kv.evaluate([1, 1]).rms)).toBeGreaterThan(1e-4);
  });

  it('drives the search driver: best ≤ baseline, all records finite', async () => {
    const r = await runBandSearch({ bandCount: 2, evaluate: proxySearchObjective([make('shared', false)]) });
    expect(r.best!.objective).toBeLessThanOrEqual(r.baseline!.objective);
    expect(r.candidates.every((c) => Number.isFinite(c.objective) && c.accepted)).toBe(true);
  });

  it('rejects a wrong scale count', () => {
    expect(() => make('shared', false).evaluate([1])).toThrow(/1 scales for 2 bands/);
  });
});
