import { describe, expect, it } from 'vitest';
import type { DiagnosticsInput, TapSet } from '../../lib/scenario/diagnosticsCompute';
import { pairSampler } from '../../lib/diagnostics/pairSampler';
import { createAnalysisClient } from './client';
import { createAnalysisHandler, MAX_PROXY_SETUPS } from './handler';
import type { AnalysisRequest, AnalysisResponse } from './protocol';
import { createInProcessAnalysisWorker } from './testing/inProcessAnalysisWorker';

// Tiny geometry: 2 layers, 2 query heads over 1 KV head, headDim 4 (2 pairs), 2 bands of one pair.
const T = 16;
const H = 2;
const KV = 1;
const D = 4;
const LAYERS = [0, 1];
const BANDS = [
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

function taps(seed: number, scale = 1, tokens = T): TapSet {
  const r = lcg(seed);
  const set: TapSet = {};
  for (const l of LAYERS) {
    for (const [tap, heads] of [
      ['q_pre', H],
      ['k_pre', KV],
      ['q_post', H],
      ['k_post', KV],
    ] as const) {
      set[`${tap}_${l}`] = Float32Array.from({ length: tokens * heads * D }, () => r() * scale);
    }
  }
  return set;
}

function scaled(set: TapSet, factor: number): TapSet {
  return Object.fromEntries(Object.entries(set).map(([k, v]) => [k, v.map((x) => x * factor)]));
}

function input(overrides: Partial<DiagnosticsInput> = {}): DiagnosticsInput {
  const short = taps(7);
  return {
    geometry: { heads: H, kvHeads: KV, headDim: D, rotaryDim: D, layout: 'half-split', layers: LAYERS, bands: BANDS, trainedWindowTokens: 8 },
    longTokens: T,
    shortTokens: T,
    longFp: scaled(short, 2),
    shortFp: short,
    longQuant: scaled(short, 2),
    fpLogits: Float32Array.from({ length: T * 3 }, (_, i) => (i % 3) - 1),
    quantLogits: Float32Array.from({ length: T * 3 }, (_, i) => (i % 3) - 1),
    vocab: 3,
    tirQuantile: 0.9,
    pairCount: 40,
    seed: 3,
    ...overrides,
  };
}

function run(requests: AnalysisRequest[]): Promise<AnalysisResponse[]> {
  const out: AnalysisResponse[] = [];
  const handler = createAnalysisHandler({ post: (r) => out.push(r) });
  return Promise.all(requests.map((r) => handler.handle(r))).then(() => out);
}

describe('analysis handler', () => {
  it('diagnostics: long run = 2 × short run gives TIR 2 everywhere; identical quantized run gives zero error and KL', async () => {
    const [r] = await run([{ kind: 'diagnostics', requestId: 1, input: input() }]);
    expect(r.kind).toBe('diagnostics-result');
    if (r.kind !== 'diagnostics-result') return;
    for (const tensor of ['q-pre', 'k-pre', 'q-post', 'k-post'] as const) {
      const tir = r.result.tir[tensor];
      expect(tir.tirLayerBand).toHaveLength(LAYERS.length * BANDS.length);
      expect(tir.tirLayerPair).toHaveLength(LAYERS.length * 2);
      for (const v of [...Array.from(tir.tirLayerBand), ...Array.from(tir.tirLayerPair)]) expect(v).toBeCloseTo(2, 6);
    }
    const dist = r.result.logitErrorDistance;
    expect(dist?.axis).toBe('distance');
    for (const v of dist?.rmsTotal ?? []) expect(v).toBe(0);
    expect(r.result.logitErrorQuery?.rmsPerBand).toHaveLength(2);
    expect(r.result.kl?.klNats).toEqual(new Array(T).fill(0));
    expect(r.proxySetupId).toBeNull();
  });

  it('activation IP is exactly 0 when the PI leaves θ and the attention factor unchanged, and > 0 when it moves θ', async () => {
    const same = {
      invFreqOriginalRadPerToken: [1, 0.01],
      invFreqInterpolatedRadPerToken: [1, 0.01],
      attentionFactorOriginal: 1,
      attentionFactorInterpolated: 1,
    };
    const moved = { ...same, invFreqInterpolatedRadPerToken: [1, 0.0025] };
    const out = await run([
      { kind: 'diagnostics', requestId: 1, input: input({ frequencies: same }) },
      { kind: 'diagnostics', requestId: 2, input: input({ frequencies: moved }) },
      { kind: 'diagnostics', requestId: 3, input: input() },
    ]);
    if (out[0].kind !== 'diagnostics-result' || out[1].kind !== 'diagnostics-result' || out[2].kind !== 'diagnostics-result') throw new Error('kinds');
    expect(Array.from(out[0].result.activationIp?.ipLayerBand ?? [])).toEqual([0, 0, 0, 0]);
    const ip = Array.from(out[1].result.activationIp?.ipLayerBand ?? []);
    expect(ip[0]).toBe(0); // band 0's pair keeps θ
    expect(ip[1]).toBeGreaterThan(0);
    expect(out[2].result.activationIp).toBeNull();
  });

  it('with a Q-ROAR run, logit error and KL compare it with FP while the proxy keeps the g = 1 quantized run', async () => {
    const fp = taps(31);
    const [r, v] = await run([
      {
        kind: 'diagnostics',
        requestId: 1,
        input: input({ longFp: fp, shortFp: fp, longQuant: taps(32), longQroar: fp, qroarLogits: Float32Array.from({ length: T * 3 }, (_, i) => (i % 3) - 1) }),
        proxySetupId: 'q',
      },
      { kind: 'proxy-eval', requestId: 2, setupId: 'q', bandScales: [1, 1], variant: 'shared' },
    ]);
    if (r.kind !== 'diagnostics-result' || v.kind !== 'proxy-value') throw new Error('kinds');
    expect(r.result.quantVariant).toBe('ptq+qroar');
    for (const x of r.result.logitErrorDistance?.rmsTotal ?? [1]) expect(x).toBe(0);
    expect(r.result.kl?.klNats.every((x) => x === 0)).toBe(true);
    expect(v.value.rms).toBeGreaterThan(0);
  });

  it('diagnostics without a quantized run gives TIR only', async () => {
    const [r] = await run([{ kind: 'diagnostics', requestId: 1, input: input({ longQuant: null }) }]);
    if (r.kind !== 'diagnostics-result') throw new Error(r.kind);
    expect(r.result.logitErrorDistance).toBeNull();
    expect(r.result.kl).toBeNull();
  });

  it('the proxy set up from a diagnostics request at g = 1 equals a hand computation of the RMS logit error', async () => {
    const fp = taps(11);
    const q = taps(12);
    // Overall RMS of the total ε over samples × heads × layers, by hand.
    const pairs = pairSampler(T, 30, 5);
    let sq = 0;
    let n = 0;
    for (const l of LAYERS) {
      for (let s = 0; s < pairs.queryPos.length; s++) {
        const m = pairs.queryPos[s];
        const k = pairs.keyPos[s];
        for (let h = 0; h < H; h++) {
          let e = 0;
          for (let d = 0; d < D; d++) {
            e += q[`q_post_${l}`][(m * H + h) * D + d] * q[`k_post_${l}`][k * D + d] - fp[`q_post_${l}`][(m * H + h) * D + d] * fp[`k_post_${l}`][k * D + d];
          }
          sq += (e / 2) ** 2;
          n++;
        }
      }
    }
    const [ready, value] = await run([
      { kind: 'diagnostics', requestId: 1, input: input({ longFp: fp, shortFp: fp, longQuant: q, pairCount: 30, seed: 5 }), proxySetupId: 'p' },
      { kind: 'proxy-eval', requestId: 2, setupId: 'p', bandScales: [1, 1], variant: 'shared' },
    ]);
    if (ready.kind !== 'diagnostics-result') throw new Error(ready.kind);
    expect(ready.result.logitErrorDistance?.rmsTotal.every((v) => Number.isFinite(v) && v > 0)).toBe(true);
    expect(ready.proxySetupId).toBe('p');
    if (value?.kind !== 'proxy-value') throw new Error(JSON.stringify(value));
    expect(value.value.rms).toBeCloseTo(Math.sqrt(sq / n), 6);
    expect(value.value.layers).toEqual(LAYERS);
    expect(value.value.perLayer).toHaveLength(2);
  });

  it('proxy-setup + proxy-eval: quantized = FP, shared g = 2 on every band gives ε = 3ℓ_ref', async () => {
    const fp = taps(21);
    const pairs = pairSampler(T, 25, 9);
    let sq = 0;
    let n = 0;
    for (const l of LAYERS) {
      for (let s = 0; s < pairs.queryPos.length; s++) {
        for (let h = 0; h < H; h++) {
          let dot = 0;
          for (let d = 0; d < D; d++) dot += fp[`q_post_${l}`][(pairs.queryPos[s] * H + h) * D + d] * fp[`k_post_${l}`][pairs.keyPos[s] * D + d];
          sq += ((3 * dot) / 2) ** 2;
          n++;
        }
      }
    }
    const layers = LAYERS.map((layer) => ({
      layer,
      refQ: fp[`q_post_${layer}`],
      refK: fp[`k_post_${layer}`],
      quantQ: fp[`q_post_${layer}`],
      quantK: fp[`k_post_${layer}`],
    }));
    const out = await run([
      {
        kind: 'proxy-setup',
        requestId: 1,
        setupId: 's',
        input: { layers, tokens: T, heads: H, kvHeads: KV, headDim: D, rotaryDim: D, layout: 'half-split', bands: BANDS, pairCount: 25, seed: 9 },
      },
      { kind: 'proxy-eval', requestId: 2, setupId: 's', bandScales: [2, 2], variant: 'shared' },
      { kind: 'proxy-eval', requestId: 3, setupId: 's', bandScales: [2, 2], variant: 'symmetric' },
      { kind: 'proxy-drop', requestId: 4, setupId: 's' },
      { kind: 'proxy-eval', requestId: 5, setupId: 's', bandScales: [1, 1], variant: 'shared' },
    ]);
    expect(out.map((r) => r.kind)).toEqual(['proxy-ready', 'proxy-value', 'proxy-value', 'dropped', 'error']);
    if (out[1].kind !== 'proxy-value' || out[2].kind !== 'proxy-value' || out[4].kind !== 'error') throw new Error('kinds');
    expect(out[1].value.rms).toBeCloseTo(Math.sqrt(sq / n), 5);
    expect(out[2].value.rms).toBeCloseTo(0, 6); // symmetric cancels without a key quantizer
    expect(out[4].error.message).toMatch(/no proxy setup 's'/);
  });

  it('keeps at most MAX_PROXY_SETUPS setups, evicting the oldest', async () => {
    const fp = taps(41);
    const layers = LAYERS.map((layer) => ({
      layer,
      refQ: fp[`q_post_${layer}`],
      refK: fp[`k_post_${layer}`],
      quantQ: fp[`q_post_${layer}`],
      quantK: fp[`k_post_${layer}`],
    }));
    const setup = (id: string, requestId: number): AnalysisRequest => ({
      kind: 'proxy-setup',
      requestId,
      setupId: id,
      input: { layers, tokens: T, heads: H, kvHeads: KV, headDim: D, rotaryDim: D, layout: 'half-split', bands: BANDS, pairCount: 10, seed: 1 },
    });
    const ids = Array.from({ length: MAX_PROXY_SETUPS + 1 }, (_, i) => `s${i}`);
    const out = await run([
      ...ids.map((id, i) => setup(id, i + 1)),
      ...ids.map((id, i): AnalysisRequest => ({ kind: 'proxy-eval', requestId: 100 + i, setupId: id, bandScales: [1, 1], variant: 'shared' })),
    ]);
    const evals = out.slice(ids.length).map((r) => r.kind);
    expect(evals).toEqual(['error', ...new Array(MAX_PROXY_SETUPS).fill('proxy-value')]);
  });

  it('errors cross as data naming the problem; cancel drops a queued request', async () => {
    const handlerOut: AnalysisResponse[] = [];
    const handler = createAnalysisHandler({ post: (r) => handlerOut.push(r) });
    const bad = input({ shortTokens: T + 1 });
    const p1 = handler.handle({ kind: 'diagnostics', requestId: 1, input: bad });
    const p2 = handler.handle({ kind: 'diagnostics', requestId: 2, input: input() });
    await handler.handle({ kind: 'cancel', requestId: 3, targetRequestId: 2 });
    await Promise.all([p1, p2]);
    expect(handlerOut[0]).toMatchObject({ kind: 'error', requestId: 1 });
    if (handlerOut[0].kind === 'error') expect(handlerOut[0].error.message).toMatch(/shortTokens 17 ≤ longTokens 16/);
    expect(handlerOut[1]).toMatchObject({ kind: 'error', requestId: 2, error: { name: 'AbortError' } });
  });
});

describe('analysis client over an in-process worker', () => {
  it('runs diagnostics, keeps the proxy setup, evaluates it, and rejects cancelled requests', async () => {
    const client = createAnalysisClient(createInProcessAnalysisWorker);
    const { result, proxySetupId } = await client.diagnostics(input(), { proxySetupId: 'run-1' });
    expect(proxySetupId).toBe('run-1');
    expect(result.tir['q-post'].layers).toEqual(LAYERS);
    const v = await client.proxyEval('run-1', [1, 1], 'query-only');
    expect(v.rms).toBeCloseTo(0, 6); // quantized taps equal the FP taps here
    const ac = new AbortController();
    ac.abort();
    await expect(client.proxyEval('run-1', [1, 1], 'shared', { signal: ac.signal })).rejects.toMatchObject({ name: 'AbortError' });
    await expect(client.proxyEval('missing', [1, 1], 'shared')).rejects.toThrow(/no proxy setup 'missing'/);
    client.terminate();
  });
});
