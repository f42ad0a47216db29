// The live-slider proxy over every tapped layer against hand computations of the RMS logit error.
import { describe, expect, it } from 'vitest';
import { pairSampler } from '../diagnostics/pairSampler';
import { createLayeredProxy, proxySetupInputOf, type ProxySetupInput } from './diagnosticsProxy';
import {
  seededTaps,
  syntheticDiagnosticsInput as input,
  TAP_BANDS,
  TAP_HEAD_DIM as D,
  TAP_HEADS as H,
  TAP_KV_HEADS,
  TAP_LAYERS,
  TAP_TOKENS as T,
} from './testing/diagnosticsTaps';

/** The pooled RMS over layers × sampled (m, n) × heads of ε(m, n) = f(q_m · k_n) (1/√D-scaled, half-split pairs of 2). */
function handRms(pairCount: number, seed: number, epsilon: (layer: number, m: number, n: number, h: number) => number): number {
  const pairs = pairSampler(T, pairCount, seed);
  let sq = 0;
  let n = 0;
  for (const l of TAP_LAYERS) {
    for (let s = 0; s < pairs.queryPos.length; s++) {
      for (let h = 0; h < H; h++) {
        sq += epsilon(l, pairs.queryPos[s], pairs.keyPos[s], h) ** 2;
        n++;
      }
    }
  }
  return Math.sqrt(sq / n);
}

function dot(q: Float32Array, k: Float32Array, m: number, n: number, h: number): number {
  let e = 0;
  for (let d = 0; d < D; d++) e += q[(m * H + h) * D + d] * k[n * D + d];
  return e;
}

describe('layered slider proxy', () => {
  it('set up from a diagnostics input, at g = 1 it equals the RMS of q̃·k̃ − q·k by hand, per layer and pooled', () => {
    const fp = seededTaps(11);
    const q = seededTaps(12);
    const setup = proxySetupInputOf(input({ longFp: fp, shortFp: fp, longQuant: q, pairCount: 30, seed: 5 }));
    if (!setup) throw new Error('a quantized run gives a proxy input');
    const value = createLayeredProxy(setup).evaluate([1, 1], 'shared');
    const expected = handRms(
      30,
      5,
      (l, m, n, h) => (dot(q[`q_post_${l}`], q[`k_post_${l}`], m, n, h) - dot(fp[`q_post_${l}`], fp[`k_post_${l}`], m, n, h)) / 2,
    );
    expect(value.rms).toBeCloseTo(expected, 6);
    expect(value.layers).toEqual(TAP_LAYERS);
    expect(value.perLayer).toHaveLength(2);
  });

  it('quantized = FP and shared g = 2 on every band gives ε = 3·ℓ_ref; symmetric g cancels without a key quantizer', () => {
    const fp = seededTaps(21);
    const setup: ProxySetupInput = {
      layers: TAP_LAYERS.map((layer) => ({
        layer,
        refQ: fp[`q_post_${layer}`],
        refK: fp[`k_post_${layer}`],
        quantQ: fp[`q_post_${layer}`],
        quantK: fp[`k_post_${layer}`],
      })),
      tokens: T,
      heads: H,
      kvHeads: TAP_KV_HEADS,
      headDim: D,
      rotaryDim: D,
      layout: 'half-split',
      bands: TAP_BANDS,
      pairCount: 25,
      seed: 9,
    };
    const proxy = createLayeredProxy(setup);
    expect(proxy.bandCount).toBe(2);
    const expected = handRms(25, 9, (l, m, n, h) => (3 * dot(fp[`q_post_${l}`], fp[`k_post_${l}`], m, n, h)) / 2);
    expect(proxy.evaluate([2, 2], 'shared').rms).toBeCloseTo(expected, 5);
    expect(proxy.evaluate([2, 2], 'symmetric').rms).toBeCloseTo(0, 6);
  });

  it('keeps the g = 1 quantized run as its baseline when the input also holds a Q-ROAR run; none without a quantized run', () => {
    const fp = seededTaps(31);
    const quant = seededTaps(32);
    const withQroar = proxySetupInputOf(input({ longFp: fp, shortFp: fp, longQuant: quant, longQroar: fp }));
    const without = proxySetupInputOf(input({ longFp: fp, shortFp: fp, longQuant: quant }));
    if (!withQroar || !without) throw new Error('a quantized run gives a proxy input');
    expect(createLayeredProxy(withQroar).evaluate([1, 1], 'shared')).toEqual(createLayeredProxy(without).evaluate([1, 1], 'shared'));
    expect(createLayeredProxy(withQroar).evaluate([1, 1], 'shared').rms).toBeGreaterThan(0);
    expect(proxySetupInputOf(input({ longQuant: null }))).toBeNull();
  });
});
