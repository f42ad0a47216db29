// The layer-streamed engine vs the whole graph (the engine the PyTorch fixture tests pin down), on
// onnxruntime-node: same per-token NLL, taps, KV fake quant, Q-ROAR scales; 'nbits' vs 'fake'.
import { beforeAll, describe, expect, it } from 'vitest';
import { graphRopeInputs } from '../../lib/eval/ropeInputs';
import { calibrateKvChannelScales } from '../../lib/eval/kvCalibration';
import { idsToInt64, type NllEngineOutput } from '../../lib/eval/engine';
import type { ModelSpec } from '../../lib/model/spec';
import { assembleDecoderWeights, assembleHeadWeights, assembleLayerWeights, type AssembleOptions, type TensorF32Source } from '../../lib/onnx/assembleWeights';
import { buildLlamaGraph, type LlamaGraphOptions } from '../../lib/onnx/llamaGraph';
import type { DecoderLayerWeights } from '../../lib/onnx/weights';
import { qroarAssembleHooks, qroarFactors, bandsFromPairRanges } from '../../lib/scenario/weights';
import { createNodeEngine } from '../../cli/engine/nodeRunner';
import { builtinSpec, builtinTensorSource, readTokens, fixtureIndex } from '../../cli/engine/testing/builtin';
import { createOrtNodeRuntime } from '../runtime/ort-node';
import { createLayeredSession, type LayeredSessionOptions, type LayeredWeightSource } from './layeredSession';
import { createLayerWeightCache } from './layerWeightCache';

const W4G32A = { bits: 4, groupSize: 32, symmetric: false };
const runtime = createOrtNodeRuntime({ intraOpNumThreads: 2 });
let spec: ModelSpec;
let source: TensorF32Source;
let tokens: Int32Array;

beforeAll(() => {
  spec = builtinSpec();
  source = builtinTensorSource();
  tokens = readTokens(fixtureIndex().texts[0].file);
});

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

async function runWhole(s: ModelSpec, src: TensorF32Source, assemble: AssembleOptions, opts: LlamaGraphOptions): Promise<NllEngineOutput> {
  const engine = await createNodeEngine(buildLlamaGraph(s, await assembleDecoderWeights(s, src, assemble), opts), { intraOpThreads: 2, device: 'cpu' });
  try {
    const { cos, sin } = graphRopeInputs(s.rope, opts.seqLen);
    return await engine.run({ ids: tokens.subarray(0, opts.seqLen), cos, sin });
  } finally {
    await engine.dispose();
  }
}

function layerSource(s: ModelSpec, src: TensorF32Source, assemble: AssembleOptions, key = 'test'): LayeredWeightSource {
  return { spec: s, weightsKey: key, loadLayer: (l) => assembleLayerWeights(s, l, src, assemble), loadHead: () => assembleHeadWeights(s, src) };
}

async function runLayered(s: ModelSpec, src: LayeredWeightSource, opts: LayeredSessionOptions, cacheBytes = 0): Promise<Record<string, Float32Array>> {
  const session = await createLayeredSession(runtime, 'wasm', src, opts, createLayerWeightCache<DecoderLayerWeights>(cacheBytes));
  try {
    const T = opts.seqLen;
    const { cos, sin } = graphRopeInputs(s.rope, T);
    const out = await session.run({
      input_ids: { type: 'int64', data: idsToInt64(tokens.subarray(0, T)), dims: [1, T] },
      cos: { type: 'float32', data: cos, dims: [T, s.headDim] },
      sin: { type: 'float32', data: sin, dims: [T, s.headDim] },
    });
    return Object.fromEntries(Object.entries(out).map(([k, v]) => [k, v.data]));
  } finally {
    await session.release();
  }
}

// Taps and logits reach O(10) where the NLL is O(1): float32 rounding differences (Gemm on fed
// weights vs MatMul on prepacked initializers) scale with the values, so those compare relatively.
function scaleOf(t: Float32Array): number {
  let m = 1;
  for (const v of t) m = Math.max(m, Math.abs(v));
  return m;
}

function expectSame(whole: NllEngineOutput, layered: Record<string, Float32Array>, tol: number): void {
  expect(maxAbsDiff(layered.nll, whole.nll)).toBeLessThan(tol);
  for (const [name, t] of Object.entries(whole.taps ?? {})) {
    expect(layered[name], name).toBeDefined();
    expect(maxAbsDiff(layered[name], t), name).toBeLessThan(name === 'kv_clipped' ? 0.5 : tol * scaleOf(t));
  }
  if (whole.logits) expect(maxAbsDiff(layered.logits, whole.logits)).toBeLessThan(tol * scaleOf(whole.logits));
}

describe('layer-streamed engine vs whole graph (built-in model, onnxruntime-node)', () => {
  for (const group of [1, 2]) {
    it(`per-token NLL, taps and logits within 1e-5 with groups of ${group} layer(s)`, async () => {
      const opts = { seqLen: 192, tapLayers: [0, 3], tapValues: true, logits: true };
      const whole = await runWhole(spec, source, {}, opts);
      const layered = await runLayered(spec, layerSource(spec, source, {}), { ...opts, layerGroupSize: group });
      expect(Object.keys(whole.taps!).length).toBe(10);
      expectSame(whole, layered, 1e-5);
    });
  }

  it('query and vocabulary chunking inside groups changes nothing', async () => {
    const opts = { seqLen: 128, attentionBudgetBytes: 64 * 1024, headBudgetBytes: 128 * 40 };
    const whole = await runWhole(spec, source, {}, opts);
    expectSame(whole, await runLayered(spec, layerSource(spec, source, {}), { ...opts, layerGroupSize: 4 }), 1e-5);
  });

  it('KV fake quant: per-token Hadamard (pre-RoPE keys) and per-channel with calibrated scales and clip count', async () => {
    const token = { bits: 4 as const, granularity: 'token' as const, keyRope: 'pre' as const, target: 'kv' as const, hadamard: true };
    const opts = { seqLen: 128, kvQuant: token, tapLayers: [1] };
    expectSame(await runWhole(spec, source, {}, opts), await runLayered(spec, layerSource(spec, source, {}), { ...opts, layerGroupSize: 2 }), 1e-5);

    const channel = { bits: 4 as const, granularity: 'channel' as const, keyRope: 'post' as const, target: 'kv' as const, hadamard: true };
    const weights = await assembleDecoderWeights(spec, source);
    const channelScales = await calibrateKvChannelScales({
      kv: channel,
      tokens,
      calibrationTokens: 64,
      trainedWindowTokens: 256,
      rope: spec.rope,
      dims: spec,
      openEngine: (graph) => createNodeEngine(buildLlamaGraph(spec, weights, graph), { intraOpThreads: 2, device: 'cpu' }),
    });
    const kvOpts = { seqLen: 192, kvQuant: { ...channel, channelScales }, kvClipCount: true, tapLayers: [2] };
    const whole = await runWhole(spec, source, {}, kvOpts);
    const layered = await runLayered(spec, layerSource(spec, source, {}), { ...kvOpts, layerGroupSize: 1 });
    // Per token position [T], summed over the groups: the same counts as the whole graph's.
    expect(whole.taps!.kv_clipped.reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
    expect(Array.from(layered.kv_clipped)).toEqual(Array.from(whole.taps!.kv_clipped));
    expectSame(whole, layered, 1e-5);
  });

  it('Q-ROAR band scales (applied before RTN) give the same numbers', async () => {
    const qroar = {
      variant: 'query-only' as const,
      bands: bandsFromPairRanges([
        [0, 7],
        [8, 15],
      ]),
      scales: [1.3, 0.8],
    };
    const hooks = qroarAssembleHooks(spec, () => qroarFactors(spec, qroar));
    const assemble = { rtn: W4G32A, quantFormat: 'fake' as const, ...hooks };
    const opts = { seqLen: 128, tapLayers: [5] };
    const whole = await runWhole(spec, source, assemble, opts);
    const plain = await runWhole(spec, source, { rtn: W4G32A }, opts);
    expect(maxAbsDiff(whole.nll, plain.nll)).toBeGreaterThan(1e-3); // the scales do something
    expectSame(whole, await runLayered(spec, layerSource(spec, source, assemble), { ...opts, layerGroupSize: 2 }), 1e-5);
  });

  it("'nbits' (MatMulNBits codes fed as inputs) vs 'fake' within 1e-3", async () => {
    const opts = { seqLen: 128 };
    const fake = await runWhole(spec, source, { rtn: W4G32A, quantFormat: 'fake' }, opts);
    const nbits = await runLayered(spec, layerSource(spec, source, { rtn: W4G32A, quantFormat: 'nbits' }), { ...opts, layerGroupSize: 3 });
    expect(maxAbsDiff(nbits.nll, fake.nll)).toBeLessThan(1e-3);
  });

  it('interleaved (GGUF) rows, per-head q/k norms and q/k/v biases: the layered path permutes exactly as the whole graph', async () => {
    const variant: ModelSpec = { ...spec, pairLayout: 'interleaved', qkNorm: true, attentionBias: true };
    let seed = 7;
    const rand = (n: number, base: number) => Float32Array.from({ length: n }, () => base + ((seed = (seed * 16807) % 2147483647) / 2147483647 - 0.5) * 0.2);
    const extra = new Map<string, Float32Array>();
    const src: TensorF32Source = async (n) => {
      if (/_norm\.weight$/.test(n) && /self_attn/.test(n)) return extra.get(n) ?? extra.set(n, rand(spec.headDim, 1)).get(n)!;
      if (n.endsWith('_proj.bias')) {
        const rows = n.includes('q_proj') ? spec.numHeads * spec.headDim : spec.numKvHeads * spec.headDim;
        return extra.get(n) ?? extra.set(n, rand(rows, 0)).get(n)!;
      }
      return source(n);
    };
    const opts = { seqLen: 96, tapLayers: [4] };
    // 2e-5: random q/k norms and biases on weights trained without them push activations (and so
    // float32 rounding) further than the real model; a wrong permutation would be off by O(1).
    expectSame(await runWhole(variant, src, {}, opts), await runLayered(variant, layerSource(variant, src, {}), { ...opts, layerGroupSize: 2 }), 2e-5);
  });
});
