// The whole worker path in Node: HF folder over (fake) HTTP ranges → lib/onnx graph → handler →
// onnxruntime-node, against the PyTorch fixture (training/fixture, an independent reference).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ropeCosSinTable } from '../../lib/rope/cosSin';
import { ropeFrequencies } from '../../lib/rope/frequencies';
import { createOrtNodeRuntime } from '../runtime/ort-node';
import { createUrlGraphBuilder } from './buildGraph';
import { createEngineHandler } from './handler';
import { specFromHfConfig } from '../../lib/model/hfConfig';
import type { EngineResponse } from './protocol';
import { diskFetch } from './testing/diskFetch';
import { tolerance } from '../../lib/testing/tolerances';
import { rtnBuild } from '../../lib/testing/specBuilds';

const ROOT = join(import.meta.dirname, '..', '..');
const MODEL_URL = '/models/bandscope-byte-4m/';
const fixtureDir = join(ROOT, 'training', 'fixture');
const readF32 = (file: string) => new Float32Array(new Uint8Array(readFileSync(join(fixtureDir, file))).buffer);
const tokens0 = Int32Array.from(readFileSync(join(fixtureDir, 'tokens_0.bin')));
const config = JSON.parse(readFileSync(join(ROOT, 'public', MODEL_URL, 'config.json'), 'utf8')) as Record<string, unknown>;

function defaultTables(tokenCount: number) {
  const spec = specFromHfConfig(config);
  const { invFreqRadPerToken, attentionFactor } = ropeFrequencies(spec.rope);
  return { ...ropeCosSinTable(invFreqRadPerToken, attentionFactor, 0, tokenCount, 'half-split'), headDim: spec.headDim };
}

async function runBuiltin(quant: string | null, tokenCount: number, quantFormat?: 'fake' | 'nbits') {
  const counter = { bytes: 0 };
  const responses: EngineResponse[] = [];
  const handler = createEngineHandler({
    runtime: createOrtNodeRuntime({ intraOpNumThreads: 2 }),
    buildGraphFromUrl: createUrlGraphBuilder(diskFetch(join(ROOT, 'public'), counter)),
    post: (r) => responses.push(r),
  });
  await handler.handle({
    kind: 'load-model',
    requestId: 1,
    sessionKey: 'builtin',
    source: {
      kind: 'hf-url',
      baseUrl: MODEL_URL,
      build: { seqLen: tokenCount, quant: quant === null ? null : rtnBuild(quant), ...(quantFormat ? { quantFormat } : {}) },
    },
    device: 'wasm',
  });
  const { cos, sin, headDim } = defaultTables(tokenCount);
  await handler.handle({ kind: 'run', requestId: 2, sessionKey: 'builtin', ids: tokens0.slice(0, tokenCount), cos, sin, headDim, wantTaps: false });
  const result = responses.at(-1);
  if (result?.kind !== 'result') throw new Error(`expected a result, got ${JSON.stringify(responses.filter((r) => r.kind === 'error'))}`);
  return { nll: result.nll, responses, fetchedBytes: counter.bytes };
}

const mean = (a: Float32Array) => a.reduce((s, x) => s + x, 0) / a.length;

describe('built-in model through the worker path (onnxruntime-node)', () => {
  it('matches the PyTorch per-token NLL for 256 tokens of brown-test (fp32)', async () => {
    const { nll, responses, fetchedBytes } = await runBuiltin(null, 256);
    const expected = readF32('nll_text0-default-fp32.bin');
    expect(nll.length).toBe(expected.length);
    let maxAbs = 0;
    for (let t = 0; t < nll.length; t++) maxAbs = Math.max(maxAbs, Math.abs(nll[t] - expected[t]));
    expect(maxAbs).toBeLessThan(tolerance('per-token-nll', 'float32', 'cpu'));
    expect(Math.abs(mean(nll) - 1.3841627836227417)).toBeLessThan(tolerance('mean-nll', 'float32', 'cpu'));
    expect(responses.some((r) => r.kind === 'progress' && r.stage === 'fetch')).toBe(true);
    // The 19 MB file is read whole once (hfFolder WHOLE_READ_MAX_BYTES) after a few KB of header
    // ranges and config.json — never twice.
    expect(fetchedBytes).toBeLessThan(19_418_096 + 16 * 1024);
  });

  it('matches the PyTorch NLL with RTN w4g32a fake quantization of the decoder linears', async () => {
    const { nll } = await runBuiltin('rtn:w4g32a', 256);
    // Fake quantization computes in float32: the float32 bound.
    expect(Math.abs(mean(nll) - 1.4122800827026367)).toBeLessThan(tolerance('mean-nll', 'float32', 'cpu'));
  });

  it('gives the same NLL with MatMulNBits codes as with fake quantization', async () => {
    const { nll } = await runBuiltin('rtn:w4g32a', 256, 'nbits');
    expect(Math.abs(mean(nll) - 1.4122800827026367)).toBeLessThan(tolerance('mean-nll', 'nbits4', 'cpu'));
  });
});
