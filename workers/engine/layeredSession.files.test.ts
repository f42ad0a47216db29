// A several-layer model written with the project's safetensors writer, opened from disk through
// lib/model (byte-range reads): the layered engine equals the whole graph, and with no layer cache
// never holds more than one group's weights (counted through the cache).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { graphRopeInputs } from '../../lib/eval/ropeInputs';
import { idsToInt64 } from '../../lib/eval/engine';
import type { OpenedModel } from '../../lib/model/open';
import { randomLlamaCheckpoint } from '../../lib/model/testing/randomLlama';
import { assembleDecoderWeights, assembleHeadWeights, assembleLayerWeights } from '../../lib/onnx/assembleWeights';
import { buildLlamaGraph } from '../../lib/onnx/llamaGraph';
import type { DecoderLayerWeights } from '../../lib/onnx/weights';
import { openModelAtPath } from '../../cli/io/nodeByteSource';
import { layeredWeightSource } from './layeredSource';
import { createNodeEngine } from '../../cli/engine/nodeRunner';
import { createOrtNodeRuntime } from '../runtime/ort-node';
import { createLayeredSession, layerWeightBytes, type LayeredWeightSource } from './layeredSession';
import { createLayerWeightCache } from './layerWeightCache';

const L = 5;
const H = 64;
const I = 128;
const V = 48;
const T = 40;
let dir: string;
let opened: { model: OpenedModel; close(): Promise<void> };

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'bandscope-layered-'));
  const { safetensors, config } = randomLlamaCheckpoint({
    layers: L,
    hidden: H,
    intermediate: I,
    vocab: V,
    heads: 4,
    kvHeads: 2,
    headDim: 16,
    seed: 11,
    embeddingScale: 2,
  });
  writeFileSync(join(dir, 'model.safetensors'), safetensors);
  writeFileSync(join(dir, 'config.json'), JSON.stringify(config));
  opened = await openModelAtPath(dir);
});

afterAll(async () => {
  await opened?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('layer-streamed engine on a model read from disk', () => {
  it('equals the whole graph, and without a layer cache holds at most one group of weights', async () => {
    const { model } = opened;
    const spec = model.spec;
    const ids = Int32Array.from({ length: T }, (_, i) => (i * 7 + 3) % V);
    const { cos, sin } = graphRopeInputs(spec.rope, T);
    const whole = await createNodeEngine(buildLlamaGraph(spec, await assembleDecoderWeights(spec, (n) => model.tensorF32(n)), { seqLen: T }), {
      intraOpThreads: 2,
      device: 'cpu',
    });
    const expected = (await whole.run({ ids, cos, sin })).nll;
    await whole.dispose();

    const source = layeredWeightSource(spec, (n) => model.tensorF32(n), {}, model.identity, 'fp32');
    const oneLayer = layerWeightBytes(await source.loadLayer(0));
    for (const group of [1, 2]) {
      const cache = createLayerWeightCache<DecoderLayerWeights>(0);
      const session = await createLayeredSession(createOrtNodeRuntime({ intraOpNumThreads: 2 }), 'wasm', source, { seqLen: T, layerGroupSize: group }, cache);
      const feeds = {
        input_ids: { type: 'int64' as const, data: idsToInt64(ids), dims: [1, T] },
        cos: { type: 'float32' as const, data: cos, dims: [T, spec.headDim] },
        sin: { type: 'float32' as const, data: sin, dims: [T, spec.headDim] },
      };
      for (let run = 0; run < 2; run++) {
        const { nll } = await session.run(feeds);
        let d = 0;
        for (let i = 0; i < nll.data.length; i++) d = Math.max(d, Math.abs(nll.data[i] - expected[i]));
        expect(d).toBeLessThan(1e-5);
      }
      await session.release();
      expect(cache.loads).toBe(2 * L);
      expect(cache.peakBytes).toBe(group * oneLayer);
      expect(cache.keptBytes + cache.streamingBytes).toBe(0);
    }
    // A cache that fits every layer reads each once over two runs.
    const cache = createLayerWeightCache<DecoderLayerWeights>(L * oneLayer);
    const session = await createLayeredSession(createOrtNodeRuntime({ intraOpNumThreads: 2 }), 'wasm', source, { seqLen: T, layerGroupSize: 2 }, cache);
    const feeds = {
      input_ids: { type: 'int64' as const, data: idsToInt64(ids), dims: [1, T] },
      cos: { type: 'float32' as const, data: cos, dims: [T, spec.headDim] },
      sin: { type: 'float32' as const, data: sin, dims: [T, spec.headDim] },
    };
    await session.run(feeds);
    await session.run(feeds);
    await session.release();
    expect(cache.loads).toBe(L);
    expect(cache.keptBytes).toBe(L * oneLayer);
  });

  it('fake-quant RTN is cached as 4-bit codes and expanded per run: the same NLL bit for bit as float32 fake-quant, ~6× fewer cached bytes; creating the session fills the cache', async () => {
    const { model } = opened;
    const spec = model.spec;
    const rtn = { bits: 4, groupSize: 32, symmetric: false };
    const tensorF32 = (n: string) => model.tensorF32(n);
    const ids = Int32Array.from({ length: T }, (_, i) => (i * 5 + 1) % V);
    const { cos, sin } = graphRopeInputs(spec.rope, T);
    const feeds = {
      input_ids: { type: 'int64' as const, data: idsToInt64(ids), dims: [1, T] },
      cos: { type: 'float32' as const, data: cos, dims: [T, spec.headDim] },
      sin: { type: 'float32' as const, data: sin, dims: [T, spec.headDim] },
    };
    // The float32 fake-quant layers as assembled (what the engine cached before codes).
    const f32Source: LayeredWeightSource = {
      spec,
      weightsKey: 'fake-f32',
      loadLayer: (l) => assembleLayerWeights(spec, l, tensorF32, { rtn, quantFormat: 'fake' }),
      loadHead: () => assembleHeadWeights(spec, tensorF32),
    };
    const codesSource = layeredWeightSource(spec, tensorF32, { rtn, quantFormat: 'fake' }, model.identity, 'w4g32a');
    expect(codesSource.expandLayer).toBeDefined();
    const f32Bytes = layerWeightBytes(await f32Source.loadLayer(0));
    const codeBytes = layerWeightBytes(await codesSource.loadLayer(0));
    expect(codeBytes).toBeLessThan(f32Bytes / 4);
    const runtime = createOrtNodeRuntime({ intraOpNumThreads: 2 });
    const nllOf = async (source: LayeredWeightSource, cacheBytes: number, group: number) => {
      const cache = createLayerWeightCache<DecoderLayerWeights>(cacheBytes);
      const session = await createLayeredSession(runtime, 'wasm', source, { seqLen: T, layerGroupSize: group }, cache);
      const loadsAtCreation = cache.loads;
      const runs = [(await session.run(feeds)).nll.data, (await session.run(feeds)).nll.data];
      await session.release();
      return { runs, loadsAtCreation, loads: cache.loads, keptBytes: cache.keptBytes };
    };
    const reference = await nllOf(f32Source, 0, 1);
    // Every layer's codes fit: all loaded while the session is created, none by the runs.
    const cached = await nllOf(codesSource, L * codeBytes, 2);
    expect(cached.loadsAtCreation).toBe(L);
    expect(cached.loads).toBe(L);
    expect(cached.keptBytes).toBe(L * codeBytes);
    // Room for two and a half layers: two are loaded up front, the rest stream every run.
    const partial = await nllOf(codesSource, 2.5 * codeBytes, 1);
    expect(partial.loadsAtCreation).toBe(2);
    expect(partial.loads).toBe(2 + 2 * (L - 2));
    // quantFormat 'nbits' fed as float32 (the CPU EP's choice, lib/model/enginePlan nbitsFeed): the same codes expanded, the same numbers.
    const nbitsExpanded = layeredWeightSource(spec, tensorF32, { rtn, quantFormat: 'nbits' }, model.identity, 'w4g32a-nbits', 'f32', { nbits: 'float32' });
    expect(nbitsExpanded.expandLayer).toBeDefined();
    expect(layeredWeightSource(spec, tensorF32, { rtn, quantFormat: 'nbits' }, model.identity, 'w4g32a-nbits').expandLayer).toBeUndefined();
    const viaNbits = await nllOf(nbitsExpanded, 0, 1);
    for (const r of [...cached.runs, ...partial.runs, reference.runs[1], ...viaNbits.runs]) expect(Array.from(r)).toEqual(Array.from(reference.runs[0]));
  });
});
