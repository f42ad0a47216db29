// The engine's tensor cache: unit behaviour, and the built-in model through the worker path with one
// cache across builds (weights read once; fp and RTN results still match the PyTorch fixture).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ropeCosSinTable } from '../../lib/rope/cosSin';
import { ropeFrequencies } from '../../lib/rope/frequencies';
import { specFromHfConfig } from '../../lib/model/hfConfig';
import { createOrtNodeRuntime } from '../runtime/ort-node';
import { createUrlGraphBuilder } from './buildGraph';
import { createWeightsMemo } from './weightsMemo';
import { createEngineHandler } from './handler';
import type { EngineResponse } from './protocol';
import { createTensorCache } from './tensorCache';
import { diskFetch } from './testing/diskFetch';
import { tolerance } from '../../lib/testing/tolerances';
import { rtnBuild } from '../../lib/testing/specBuilds';

describe('createTensorCache', () => {
  it('reads a tensor once per identity and name', async () => {
    const cache = createTensorCache();
    let reads = 0;
    const read = async () => {
      reads++;
      return new Float32Array([1, 2]);
    };
    const a = await cache.tensorF32('m1', 'w', read);
    const b = await cache.tensorF32('m1', 'w', read);
    expect(b).toBe(a);
    expect(reads).toBe(1);
    await cache.tensorF32('m1', 'v', read);
    expect(reads).toBe(2);
    expect(cache.size).toBe(2);
  });

  it('drops the previous model when another identity is read', async () => {
    const cache = createTensorCache();
    let reads = 0;
    const read = async () => new Float32Array([++reads]);
    await cache.tensorF32('m1', 'w', read);
    await cache.tensorF32('m2', 'w', read);
    expect(cache.size).toBe(1);
    expect((await cache.tensorF32('m1', 'w', read))[0]).toBe(3);
  });

  it('forgets a failed read so a retry reads again', async () => {
    const cache = createTensorCache();
    await expect(cache.tensorF32('m', 'w', () => Promise.reject(new Error('HTTP 503')))).rejects.toThrow('HTTP 503');
    expect(cache.size).toBe(0);
    expect((await cache.tensorF32('m', 'w', async () => new Float32Array([7])))[0]).toBe(7);
  });
});

const ROOT = join(import.meta.dirname, '..', '..');
const MODEL_URL = '/models/bandscope-byte-4m/';
const WEIGHTS_SIZE_BYTES = 19_418_096;
const tokens0 = Int32Array.from(readFileSync(join(ROOT, 'training', 'fixture', 'tokens_0.bin')));
const config = JSON.parse(readFileSync(join(ROOT, 'public', MODEL_URL, 'config.json'), 'utf8')) as Record<string, unknown>;

describe('engine builds sharing one tensor cache (onnxruntime-node)', () => {
  it('reads the weights once for fp, RTN and fp again, quantizes once per weight option, and each NLL matches the PyTorch fixture', async () => {
    const counter = { bytes: 0 };
    const responses: EngineResponse[] = [];
    const weightsMemo = createWeightsMemo();
    const handler = createEngineHandler({
      runtime: createOrtNodeRuntime({ intraOpNumThreads: 2 }),
      buildGraphFromUrl: createUrlGraphBuilder(diskFetch(join(ROOT, 'public'), counter), { tensorCache: createTensorCache(), weightsMemo }),
      post: (r) => responses.push(r),
    });
    const tokenCount = 256;
    const spec = specFromHfConfig(config);
    const { invFreqRadPerToken, attentionFactor } = ropeFrequencies(spec.rope);
    const { cos, sin } = ropeCosSinTable(invFreqRadPerToken, attentionFactor, 0, tokenCount, 'half-split');
    let requestId = 0;
    const meanNll = async (sessionKey: string, quant: string | null, extra: { logits?: boolean } = {}): Promise<number> => {
      await handler.handle({
        kind: 'load-model',
        requestId: ++requestId,
        sessionKey,
        source: { kind: 'hf-url', baseUrl: MODEL_URL, build: { seqLen: tokenCount, quant: quant === null ? null : rtnBuild(quant), ...extra } },
        device: 'wasm',
      });
      await handler.handle({
        kind: 'run',
        requestId: ++requestId,
        sessionKey,
        ids: tokens0.slice(0, tokenCount),
        cos,
        sin,
        headDim: spec.headDim,
        wantTaps: false,
      });
      const result = responses.at(-1);
      if (result?.kind !== 'result') throw new Error(`expected a result, got ${JSON.stringify(responses.filter((r) => r.kind === 'error'))}`);
      return result.nll.reduce((s, x) => s + x, 0) / result.nll.length;
    };
    // Means from the PyTorch fixture (training/fixture), as in builtinModel.test.ts.
    const meanTol = tolerance('mean-nll', 'float32', 'cpu');
    expect(Math.abs((await meanNll('fp', null)) - 1.3841627836227417)).toBeLessThan(meanTol);
    expect(Math.abs((await meanNll('ptq', 'rtn:w4g32a')) - 1.4122800827026367)).toBeLessThan(meanTol);
    expect(Math.abs((await meanNll('fp-again', null)) - 1.3841627836227417)).toBeLessThan(meanTol);
    // Another graph of the same quantized weights (logits out): the memo's assembled weights, same NLL.
    expect(Math.abs((await meanNll('ptq-logits', 'rtn:w4g32a', { logits: true })) - 1.4122800827026367)).toBeLessThan(meanTol);
    expect(weightsMemo.keys()).toHaveLength(2);
    // Headers are probed per build; tensor bytes cross the wire once.
    expect(counter.bytes).toBeGreaterThan(WEIGHTS_SIZE_BYTES * 0.9);
    expect(counter.bytes).toBeLessThan(WEIGHTS_SIZE_BYTES + 64 * 1024);
  }, 60_000);
});
