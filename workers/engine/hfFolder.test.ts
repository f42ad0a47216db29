import { describe, expect, it } from 'vitest';
import type { FetchLike } from './hfFolder';
import { WHOLE_READ_TRIGGER_BYTES, httpByteSource, loadModelSources, openModelForRun } from './hfFolder';
import { byteSourceFromBytes } from '../../lib/model/byteSource';
import type { EngineDeviceFacts } from '../../lib/model/enginePlan';
import { specFromHfConfig } from '../../lib/model/hfConfig';
import { runBudget } from '../../lib/model/runBudget';
import { randomLlamaCheckpoint } from '../../lib/model/testing/randomLlama';
import { createTensorCache } from './tensorCache';
import { loggingSources, tiedHfFolder } from '../../lib/model/testing/tiedModels';

const body = Uint8Array.from({ length: 100 }, (_, i) => i);

function server(honoursRange: boolean, log: string[]): FetchLike {
  return async (_url, init) => {
    const range = init?.headers?.Range;
    log.push(range ?? 'whole');
    const m = honoursRange && range ? /^bytes=(\d+)-(\d+)$/.exec(range) : null;
    const part = m ? body.slice(Number(m[1]), Number(m[2]) + 1) : body.slice();
    return {
      ok: true,
      status: m ? 206 : 200,
      headers: { get: (n: string) => (m && n === 'Content-Range' ? `bytes ${m[1]}-${m[2]}/${body.length}` : null) },
      arrayBuffer: async () => part.buffer,
      json: async () => null,
    };
  };
}

describe('httpByteSource', () => {
  it('sizes the file from Content-Range and reads exact ranges', async () => {
    const log: string[] = [];
    const source = await httpByteSource(server(true, log), '/x', 'x', 99);
    expect(source.sizeBytes).toBe(100);
    expect(Array.from(await source.read(10, 3))).toEqual([10, 11, 12]);
    expect(log).toEqual(['bytes=0-0', 'bytes=10-12']);
    await expect(source.read(99, 2)).rejects.toThrow('read 2 bytes at 99 is past the end (100 bytes)');
  });

  it('reads a small file whole on its first tensor-sized read, slicing it after; header-sized reads before stay ranges', async () => {
    const big = Uint8Array.from({ length: WHOLE_READ_TRIGGER_BYTES + 100 }, (_, i) => i % 251);
    const log: string[] = [];
    const fetchFn: FetchLike = async (_url, init) => {
      const range = init?.headers?.Range ?? '';
      log.push(range);
      const m = /^bytes=(\d+)-(\d+)$/.exec(range)!;
      const part = big.slice(Number(m[1]), Number(m[2]) + 1);
      return {
        ok: true,
        status: 206,
        headers: { get: (n: string) => (n === 'Content-Range' ? `bytes ${m[1]}-${m[2]}/${big.length}` : null) },
        arrayBuffer: async () => part.buffer,
        json: async () => null,
      };
    };
    const source = await httpByteSource(fetchFn, '/x', 'x');
    expect(Array.from(await source.read(8, 2))).toEqual([8, 9]);
    const [a, b] = await Promise.all([source.read(100, WHOLE_READ_TRIGGER_BYTES), source.read(big.length - 2, 2)]);
    expect(a[0]).toBe(100);
    expect(a.length).toBe(WHOLE_READ_TRIGGER_BYTES);
    expect(Array.from(b)).toEqual([big[big.length - 2], big[big.length - 1]]);
    expect(log).toEqual(['bytes=0-0', 'bytes=8-9', `bytes=0-${big.length - 1}`]); // the tail read is a slice of the whole
    await expect(source.read(big.length - 1, 2)).rejects.toThrow('past the end');
  });

  it('keeps the whole body once when the server ignores Range', async () => {
    const log: string[] = [];
    const source = await httpByteSource(server(false, log), '/x', 'x');
    expect(Array.from(await source.read(97, 3))).toEqual([97, 98, 99]);
    expect(log).toHaveLength(1);
  });
});

describe('loadModelSources with a tensor cache', () => {
  it('a tied model stored only as lm_head.weight is cached once, under its stored name', async () => {
    const cache = createTensorCache();
    const log: string[] = [];
    const loaded = await loadModelSources(
      loggingSources(tiedHfFolder('lm_head+alias'), log),
      { tensorCache: cache },
      () => {},
      () => {},
    );
    expect(loaded.weights.lmHead).toBe(loaded.weights.embedTokens);
    expect(cache.size).toBe(11); // 9 layer tensors, final norm, the one shared matrix
    const held = await cache.tensorF32(loaded.identity, 'lm_head.weight', () => Promise.reject(new Error('read again')));
    expect(held).toBe(loaded.weights.embedTokens);
    const reads = log.length;
    await loadModelSources(
      loggingSources(tiedHfFolder('lm_head+alias'), log),
      { tensorCache: cache },
      () => {},
      () => {},
    );
    // The second load reads headers only (config.json, safetensors length + JSON), no tensor.
    expect(log.length - reads).toBe(3);
  });
});

describe('openModelForRun: float16 full precision from the device facts', () => {
  it('a BF16 folder streamed on a fake WebGPU adapter with shader-f16 holds float16 linears; without the feature, float32', async () => {
    const { safetensors, config } = randomLlamaCheckpoint({
      layers: 8,
      hidden: 256,
      intermediate: 1024,
      vocab: 64,
      heads: 4,
      kvHeads: 2,
      headDim: 64,
      seed: 3,
      embeddingScale: 1,
      dtype: 'BF16',
    });
    const sources = [
      byteSourceFromBytes(new TextEncoder().encode(JSON.stringify(config)), 'config.json'),
      byteSourceFromBytes(safetensors, 'model.safetensors'),
    ];
    // Room for one float32 layer at a time, not for the whole graph: 'auto' streams the layers.
    const spec = specFromHfConfig(config);
    const streamed = runBudget(spec, { weights: { kind: 'float32' }, layerGroupSize: 1 }, 32).peakBytes;
    expect(runBudget(spec, { weights: { kind: 'float32' }, layerGroupSize: 8 }, 32).peakBytes).toBeGreaterThan(streamed);
    const budget = { memory: { budgetBytes: streamed, reason: 'test' }, contextTokens: 32, scenario: {} };
    const open = (device: EngineDeviceFacts) =>
      openModelForRun(
        sources,
        { budget, device },
        () => undefined,
        () => undefined,
      );
    const half = await open({ ep: 'webgpu', shaderF16: true });
    if (half.kind !== 'layer-streamed') throw new Error('expected a layer-streamed run');
    expect(half.plan.weightStorage).toBe('float16');
    const layer = await half.source.loadLayer(0);
    expect(['q', 'k', 'v', 'o', 'gate', 'up', 'down'].map((s) => layer[s as 'q'].kind)).toEqual(Array(7).fill('f16'));
    const full = await open({ ep: 'webgpu', shaderF16: false });
    if (full.kind !== 'layer-streamed') throw new Error('expected a layer-streamed run');
    expect(full.plan.weightStorage).toBe('float32');
    expect((await full.source.loadLayer(0)).q.kind).toBe('f32');
  });
});
