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
import { assembleDecoderWeights } from '../../lib/onnx/assembleWeights';
import { buildLlamaGraph } from '../../lib/onnx/llamaGraph';
import type { DecoderLayerWeights } from '../../lib/onnx/weights';
import { openModelAtPath } from '../../cli/io/nodeByteSource';
import { layeredWeightSource } from './layeredSource';
import { createNodeEngine } from '../../cli/engine/nodeRunner';
import { createOrtNodeRuntime } from '../runtime/ort-node';
import { createLayeredSession, layerWeightBytes } from './layeredSession';
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
});
