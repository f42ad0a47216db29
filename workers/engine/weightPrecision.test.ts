// The noise floor's float16 twin through the worker path (HF folder over fake HTTP → weights
// rounded to float16 → lib/onnx graph → onnxruntime-node): the per-token NLL moves, but by far
// less than RTN w4g32a moves it, and float16 cannot be combined with RTN.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { specFromHfConfig } from '../../lib/model/hfConfig';
import { ropeCosSinTable } from '../../lib/rope/cosSin';
import { ropeFrequencies } from '../../lib/rope/frequencies';
import { createOrtNodeRuntime } from '../runtime/ort-node';
import { createUrlGraphBuilder } from './buildGraph';
import { createEngineHandler } from './handler';
import type { EngineResponse, GraphBuildRequest } from './protocol';
import { diskFetch } from './testing/diskFetch';
import { rtnBuild } from '../../lib/testing/specBuilds';

const ROOT = join(import.meta.dirname, '..', '..');
const MODEL_URL = '/models/bandscope-byte-4m/';
const config = JSON.parse(readFileSync(join(ROOT, 'public', MODEL_URL, 'config.json'), 'utf8')) as Record<string, unknown>;
const tokens = Int32Array.from(readFileSync(join(ROOT, 'training', 'fixture', 'tokens_0.bin')));
const T = 128;

async function nllOf(build: Omit<GraphBuildRequest, 'seqLen'>): Promise<Float32Array> {
  const responses: EngineResponse[] = [];
  const handler = createEngineHandler({
    runtime: createOrtNodeRuntime({ intraOpNumThreads: 2 }),
    buildGraphFromUrl: createUrlGraphBuilder(diskFetch(join(ROOT, 'public'), { bytes: 0 })),
    post: (r) => responses.push(r),
  });
  await handler.handle({
    kind: 'load-model',
    requestId: 1,
    sessionKey: 'k',
    source: { kind: 'hf-url', baseUrl: MODEL_URL, build: { seqLen: T, ...build } },
    device: 'wasm',
  });
  const spec = specFromHfConfig(config);
  const { invFreqRadPerToken, attentionFactor } = ropeFrequencies(spec.rope);
  const { cos, sin } = ropeCosSinTable(invFreqRadPerToken, attentionFactor, 0, T, 'half-split');
  await handler.handle({ kind: 'run', requestId: 2, sessionKey: 'k', ids: tokens.slice(0, T), cos, sin, headDim: spec.headDim, wantTaps: false });
  const r = responses.at(-1);
  if (r?.kind !== 'result') throw new Error(`expected a result, got ${JSON.stringify(responses.filter((x) => x.kind === 'error'))}`);
  return r.nll;
}

const meanAbsDiff = (a: Float32Array, b: Float32Array) => a.reduce((s, x, i) => s + Math.abs(x - b[i]), 0) / a.length;

describe('weightPrecision f16 through the worker path', () => {
  it('moves the NLL a little (nonzero), far less than RTN w4g32a', async () => {
    const fp32 = await nllOf({});
    const fp16 = await nllOf({ weightPrecision: 'f16' });
    const rtn = await nllOf({ quant: rtnBuild('rtn:w4g32a') });
    const floor = meanAbsDiff(fp16, fp32);
    const ptq = meanAbsDiff(rtn, fp32);
    expect(floor).toBeGreaterThan(0);
    expect(floor).toBeLessThan(0.02 * ptq);
  });

  it('refuses float16 together with RTN, saying why', async () => {
    await expect(nllOf({ weightPrecision: 'f16', quant: rtnBuild('rtn:w4g32a') })).rejects.toThrow(
      /full-precision noise-floor twin; it cannot be combined with RTN/,
    );
  });
});
