// The worker's 'files' source end to end in Node: the tiny LLaMA written by lib/model/testing as
// Blobs → handler → buildGraphFromFiles → onnxruntime-node; plus the build-request options.
import { describe, expect, it } from 'vitest';
import { specFromHfConfig } from '../../lib/model/hfConfig';
import { tinyGguf, tinyHfConfig, tinyHfFolder } from '../../lib/model/testing/tinyModels';
import { ropeCosSinTable } from '../../lib/rope/cosSin';
import { ropeFrequencies } from '../../lib/rope/frequencies';
import { createOrtNodeRuntime } from '../runtime/ort-node';
import { buildGraphFromFiles, graphKvQuant } from './buildGraph';
import { createEngineHandler } from './handler';
import { bandsFromPairRanges } from '../../lib/scenario/weights';
import { engineSessionKey } from '../../lib/scenario/key';
import { kvBuild, rtnBuild } from '../../lib/testing/specBuilds';
import type { EngineResponse, GraphBuildRequest, ModelFile } from './protocol';

const T = 16;

async function tinyFiles(): Promise<ModelFile[]> {
  return Promise.all(
    tinyHfFolder().map(async (s) => ({ name: s.name.split('/').pop()!, blob: new Blob([(await s.read(0, s.sizeBytes)) as Uint8Array<ArrayBuffer>]) })),
  );
}

function tables() {
  const spec = specFromHfConfig(tinyHfConfig());
  const { invFreqRadPerToken, attentionFactor } = ropeFrequencies(spec.rope);
  return { ...ropeCosSinTable(invFreqRadPerToken, attentionFactor, 0, T, 'half-split'), headDim: spec.headDim };
}

async function run(files: ModelFile[], build: Omit<GraphBuildRequest, 'seqLen'>): Promise<{ nll?: Float32Array; error?: string; responses: EngineResponse[] }> {
  const responses: EngineResponse[] = [];
  const handler = createEngineHandler({
    runtime: createOrtNodeRuntime({ intraOpNumThreads: 1 }),
    buildGraphFromUrl: () => Promise.reject(new Error('no URLs here')),
    buildGraphFromFiles,
    post: (r) => responses.push(r),
  });
  await handler.handle({ kind: 'load-model', requestId: 1, sessionKey: 's', source: { kind: 'files', files, build: { seqLen: T, ...build } }, device: 'wasm' });
  const err = responses.find((r) => r.kind === 'error');
  if (err?.kind === 'error') return { error: err.error.message, responses };
  const { cos, sin, headDim } = tables();
  await handler.handle({
    kind: 'run',
    requestId: 2,
    sessionKey: 's',
    ids: Int32Array.from({ length: T }, (_, t) => (t * 5) % 32),
    cos,
    sin,
    headDim,
    wantTaps: false,
  });
  const res = responses.at(-1);
  if (res?.kind !== 'result') throw new Error(`expected a result, got ${JSON.stringify(res)}`);
  return { nll: res.nll, responses };
}

const sum = (a: Float32Array) => a.reduce((s, x) => s + x, 0);

describe("engine 'files' source (tiny HF folder as Blobs)", () => {
  it('builds and runs; quantLayers, KV and Q-ROAR each change the NLL, fp and identity Q-ROAR agree', async () => {
    const files = await tinyFiles();
    const fp = await run(files, {});
    expect(fp.nll).toHaveLength(T - 1);
    expect(fp.responses.some((r) => r.kind === 'progress' && r.stage === 'fetch')).toBe(true);
    const ident = await run(files, {
      qroar: {
        variant: 'symmetric',
        bands: bandsFromPairRanges([
          [0, 7],
          [8, 15],
        ]),
        scales: [1, 1],
      },
    });
    expect(Array.from(ident.nll!)).toEqual(Array.from(fp.nll!));
    const qk = await run(files, { quant: rtnBuild('rtn:w2g32a', 'qk') });
    const all = await run(files, { quant: rtnBuild('rtn:w2g32a', 'all') });
    const kv = await run(files, { kv: kvBuild('int4:token:post') });
    const scaled = await run(files, {
      qroar: {
        variant: 'query-only',
        bands: bandsFromPairRanges([
          [0, 7],
          [8, 15],
        ]),
        scales: [3, 0.25],
      },
    });
    for (const other of [qk, all, kv, scaled]) expect(sum(other.nll!)).not.toBeCloseTo(sum(fp.nll!), 4);
    expect(sum(qk.nll!)).not.toBeCloseTo(sum(all.nll!), 4);
  });

  it('a truncated safetensors file comes back as an error naming the file', async () => {
    const files = await tinyFiles();
    const bad = files.map((f) => (f.name === 'model.safetensors' ? { name: f.name, blob: f.blob.slice(0, f.blob.size - 100) } : f));
    const { error } = await run(bad, {});
    expect(error).toMatch(/model\.safetensors/);
  });

  it('a wrong-magic GGUF and a missing config come back as clear errors', async () => {
    const gguf = tinyGguf();
    const broken = gguf.slice();
    broken.set([0x58, 0x58, 0x58, 0x58], 0);
    expect((await run([{ name: 'm.gguf', blob: new Blob([broken]) }], {})).error).toMatch(/m\.gguf|magic|GGUF/i);
    const files = await tinyFiles();
    expect(
      (
        await run(
          files.filter((f) => f.name !== 'config.json'),
          {},
        )
      ).error,
    ).toMatch(/no config\.json/);
  });

  it('refuses a run over the memory budget with bytes needed, bytes available and the reason', async () => {
    const { error } = await run(await tinyFiles(), { memoryBudgetBytes: 1000, memoryBudgetReason: "the page's budget is 60% of the 8 GB the browser reports" });
    expect(error).toMatch(
      // Neither engine fits (lib/model/enginePlan 'auto'): the refusal names the smallest, one layer at a time.
      /a \d+-token run of this model does not fit even layer-streamed \(1 layer\(s\) per group\): needs [\d.]+ MiB at peak \(\d+ bytes; .*\), available 1000 B \(1000 bytes\): the page's budget is 60% of the 8 GB the browser reports$/,
    );
  });
});

describe('WebGPU adapter limits', () => {
  it('a buffer above maxStorageBufferBindingSize is refused before any tensor is read, naming the limit', async () => {
    const responses: EngineResponse[] = [];
    const inner = createOrtNodeRuntime({ intraOpNumThreads: 1 });
    const asked: string[] = [];
    const handler = createEngineHandler({
      runtime: {
        createSession: (b, d) => inner.createSession(b, d),
        gpuLimits: async (d) => (asked.push(d), { maxBufferSize: 4096, maxStorageBufferBindingSize: 2048 }),
      },
      buildGraphFromUrl: () => Promise.reject(new Error('no URLs here')),
      buildGraphFromFiles,
      post: (r) => responses.push(r),
    });
    const files = await tinyFiles();
    await handler.handle({
      kind: 'load-model',
      requestId: 1,
      sessionKey: 's',
      source: { kind: 'files', files, build: { seqLen: T, memoryBudgetBytes: 2 ** 40 } },
      device: 'auto',
    });
    expect(asked).toEqual(['auto']);
    const err = responses.find((r) => r.kind === 'error');
    expect(err?.kind === 'error' && err.error.message).toMatch(
      /needs one [\d.]+ KiB buffer \(.*\), above this WebGPU adapter's maxStorageBufferBindingSize of 2\.00 KiB \(2048 bytes\)/,
    );
    // No tensor was read: the only progress before the error is none from 'fetch'.
    expect(responses.filter((r) => r.kind === 'progress' && r.stage === 'fetch')).toHaveLength(0);
  });
});

describe('handler without a file builder', () => {
  it("answers a 'files' load with an error instead of hanging", async () => {
    const responses: EngineResponse[] = [];
    const handler = createEngineHandler({
      runtime: createOrtNodeRuntime({ intraOpNumThreads: 1 }),
      buildGraphFromUrl: () => Promise.reject(new Error('unused')),
      post: (r) => responses.push(r),
    });
    await handler.handle({ kind: 'load-model', requestId: 7, sessionKey: 's', source: { kind: 'files', files: [], build: { seqLen: 4 } }, device: 'wasm' });
    expect(responses.at(-1)).toMatchObject({ kind: 'error', requestId: 7, error: { message: expect.stringMatching(/cannot read local model files/) } });
  });
});

describe('build options', () => {
  it('graphKvQuant: per-token as built, per-channel takes the calibrated scales (refused without), null = off', () => {
    expect(graphKvQuant(kvBuild('int8:token:post'))).toEqual({ bits: 8, granularity: 'token', keyRope: 'post', target: 'kv', hadamard: false });
    expect(graphKvQuant(kvBuild('int4:token:post:hadamard'))).toEqual({ bits: 4, granularity: 'token', keyRope: 'post', target: 'kv', hadamard: true });
    expect(graphKvQuant(null)).toBeUndefined();
    expect(() => graphKvQuant(kvBuild('int8:channel:pre'))).toThrow(/KV quant 'int8:channel:pre': per-channel KV quant needs calibrated scales/);
    const scales = { k: [new Float32Array([0.5, 1])] };
    expect(graphKvQuant(kvBuild('int8:channel:pre:k'), scales)).toEqual({
      bits: 8,
      granularity: 'channel',
      keyRope: 'pre',
      target: 'k',
      hadamard: false,
      channelScales: scales,
    });
  });

  it('the session key (lib/scenario/key) differs whenever the layers, kv or qroar differ', () => {
    const base: GraphBuildRequest = { seqLen: 8, quant: rtnBuild('rtn:w4g32a') };
    const band = bandsFromPairRanges([[0, 3]]);
    const keyOf = (b: GraphBuildRequest) => engineSessionKey('m', 'wasm', b);
    const keys = [
      base,
      { ...base, quant: rtnBuild('rtn:w4g32a', 'qk') },
      { ...base, kv: kvBuild('int8:token:post') },
      { ...base, kv: kvBuild('int8:token:post:hadamard') },
      { ...base, kv: kvBuild('int8:channel:post'), kvChannelScales: { k: [new Float32Array([1, 2])] } },
      { ...base, kv: kvBuild('int8:channel:post'), kvChannelScales: { k: [new Float32Array([1, 2.0000002])] } },
      { ...base, tapValues: true },
      { ...base, tapQueries: false },
      { ...base, qroar: { variant: 'symmetric' as const, bands: band, scales: [1.5] } },
      { ...base, qroar: { variant: 'symmetric' as const, bands: band, scales: [1.25] } },
    ].map(keyOf);
    expect(new Set(keys).size).toBe(keys.length);
    // A request's memory budget is not part of the graph.
    expect(keyOf({ ...base, memoryBudgetBytes: 1 << 30, memoryBudgetReason: 'test' })).toBe(keyOf(base));
    // The noise floor's float16 twin never shares a session with the float32 model.
    expect(keyOf({ seqLen: 8, weightPrecision: 'f16' })).not.toBe(keyOf({ seqLen: 8 }));
    expect(keyOf({ seqLen: 8, weightPrecision: 'f32' })).toBe(keyOf({ seqLen: 8 }));
  });
});
