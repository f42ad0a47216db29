// The engine handler on a model whose whole graph does not fit the build's memory budget but fits
// layer-streamed (lib/model/enginePlan 'auto'): an 8-layer LLaMA written to a temp folder with the
// project's safetensors writer, opened as Blobs (the 'files' source, byte-range reads) and run on
// onnxruntime-node. References: the same handler building the whole graph (no budget), and the
// CLI's `bandscope eval` on the same folder (a child process, its own engine wiring).
import { mkdtempSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { graphRopeInputs } from '../../lib/eval/ropeInputs';
import { planEngine } from '../../lib/model/enginePlan';
import { specFromHfConfig } from '../../lib/model/hfConfig';
import { runBudget } from '../../lib/model/runBudget';
import type { ModelSpec } from '../../lib/model/spec';
import { randomLlamaCheckpoint } from '../../lib/model/testing/randomLlama';
import { tolerance } from '../../lib/testing/tolerances';
import { runCli } from '../../cli/testing/spawnCli';
import { createOrtNodeRuntime } from '../runtime/ort-node';
import { buildGraphFromFiles } from './buildGraph';
import { createEngineHandler } from './handler';
import type { EngineResponse, GraphBuildRequest, ModelFile } from './protocol';
import { kvBuild, rtnBuild } from '../../lib/testing/specBuilds';

const L = 8;
const H = 256;
const I = 1024;
const V = 256; // byte tokens, so the CLI reads a text file with the same ids
const T = 40;
const { safetensors, config } = randomLlamaCheckpoint({
  layers: L,
  hidden: H,
  intermediate: I,
  vocab: V,
  heads: 4,
  kvHeads: 2,
  headDim: 64,
  seed: 7,
  embeddingScale: 0.2,
});
const TEXT = 'The layer-streamed engine reads each decoder layer by byte range when a group needs it.';
let dir = '';
let files: ModelFile[] = [];
const spec: ModelSpec = specFromHfConfig(config);

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'bandscope-handler-layered-'));
  writeFileSync(join(dir, 'model.safetensors'), safetensors);
  writeFileSync(join(dir, 'config.json'), JSON.stringify(config));
  writeFileSync(join(dir, 'bandscope_tokenizer.json'), '{ "type": "bytes", "vocab_size": 256, "bos": null, "eos": null }\n');
  writeFileSync(join(dir, 'text.txt'), TEXT);
  files = ['config.json', 'model.safetensors'].map((name) => ({ name, blob: new Blob([readFileSync(join(dir, name))]) }));
});

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const ids = Int32Array.from(new TextEncoder().encode(TEXT).subarray(0, T));

/** One handler, one load and one run; the responses, and the result or the error. */
async function loadAndRun(build: Omit<GraphBuildRequest, 'seqLen'>, wantTaps = false) {
  const responses: EngineResponse[] = [];
  const handler = createEngineHandler({
    runtime: createOrtNodeRuntime({ intraOpNumThreads: 2 }),
    buildGraphFromUrl: () => Promise.reject(new Error('no URLs here')),
    buildGraphFromFiles,
    post: (r) => responses.push(r),
  });
  await handler.handle({ kind: 'load-model', requestId: 1, sessionKey: 'k', source: { kind: 'files', files, build: { seqLen: T, ...build } }, device: 'wasm' });
  const error = responses.find((r) => r.kind === 'error');
  if (error?.kind === 'error') return { responses, error: error.error.message, handler };
  const { cos, sin } = graphRopeInputs(spec.rope, T);
  await handler.handle({ kind: 'run', requestId: 2, sessionKey: 'k', ids, cos, sin, headDim: spec.headDim, wantTaps });
  const result = responses.at(-1);
  if (result?.kind !== 'result') throw new Error(`expected a result, got ${JSON.stringify(result)}`);
  const layered = responses.some((r) => r.kind === 'progress' && r.stage === 'create-session' && /layer-streamed/.test(r.message ?? ''));
  return { responses, result, layered, stats: handler.sessionStats(), handler };
}

const maxAbsDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  expect(a.length).toBe(b.length);
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i] - b[i]));
  return d;
};

/** What the handler's plan prices (buildGraph → hfFolder planLoad): no tensor cache in this harness. */
const scenario = (taps: number) => ({
  weights: { kind: 'float32' } as const,
  quantLayers: 'all' as const,
  sourceTensors: 'transient' as const,
  tapLayerCount: taps,
  tapQueries: true,
});

/** Per-layer float32 [numKvHeads, headDim] scales, all `value`. */
const channelScales = (value: number) => Array.from({ length: L }, () => new Float32Array(spec.numKvHeads * spec.headDim).fill(value));

describe('engine handler: a model that fits only layer-streamed', () => {
  it('loads a layered session whose per-token NLL and taps equal the whole graph’s, sized by what it holds', async () => {
    const taps = [1, 6];
    const whole = runBudget(spec, { ...scenario(taps.length), layerGroupSize: L }, T).peakBytes;
    const budget = whole - 1; // the whole graph no longer fits; layered does (planEngine below says how)
    const plan = planEngine(spec, scenario(taps.length), T, { budgetBytes: budget, reason: 'test' }, { engine: 'auto', what: 'test' });
    expect(plan.engine).toBe('layer-streamed');

    const ref = await loadAndRun({ tapLayers: taps }, true);
    const got = await loadAndRun({ tapLayers: taps, memoryBudgetBytes: budget, memoryBudgetReason: 'the test budget' }, true);
    if (!ref.result || !got.result) throw new Error(`no result: ${ref.error ?? got.error}`);
    expect(ref.layered).toBe(false);
    expect(got.layered).toBe(true);
    expect(maxAbsDiff(got.result.nll, ref.result.nll)).toBeLessThan(tolerance('same-function-nll', 'float32', 'cpu'));
    const tapNames = Object.keys(ref.result.taps ?? {}).sort();
    expect(tapNames).toEqual(['k_post_1', 'k_post_6', 'k_pre_1', 'k_pre_6', 'q_post_1', 'q_post_6', 'q_pre_1', 'q_pre_6']);
    expect(Object.keys(got.result.taps ?? {}).sort()).toEqual(tapNames);
    for (const name of tapNames) {
      expect(got.result.taps![name].dims).toEqual(ref.result.taps![name].dims);
      expect(maxAbsDiff(got.result.taps![name].data, ref.result.taps![name].data), name).toBeLessThan(tolerance('taps', 'float32', 'cpu'));
    }
    // LRU size = resident (tied) embedding + final norm + the plan's layer cache budget, not ONNX bytes.
    expect(got.stats?.totalBytes).toBe(4 * V * H + 4 * H + plan.layerCacheBytes);
    await got.handler.handle({ kind: 'dispose', requestId: 9 });
    expect(got.handler.sessionStats().totalBytes).toBe(0);
  });

  it('converts layers at the build’s precision: RTN fake quant, quantLayers, float16 rounding, KV fake quant', async () => {
    const builds: Array<Omit<GraphBuildRequest, 'seqLen'>> = [
      { quant: rtnBuild('rtn:w4g32a') },
      { quant: rtnBuild('rtn:w4g32a', 'qk') },
      { weightPrecision: 'f16' },
      { kv: kvBuild('int8:token:post') },
      { quant: rtnBuild('rtn:w4g32a'), kv: kvBuild('int8:token:post') },
      { kv: kvBuild('int4:token:post') },
      // Per-channel scales come with the build (the page calibrates them); fixed ones here, so some values clip.
      { kv: kvBuild('int8:channel:post'), kvChannelScales: { k: channelScales(0.02), v: channelScales(0.01) } },
    ];
    for (const build of builds) {
      const weights = build.quant ? { kind: 'rtn' as const, bits: 4, groupSize: 32, symmetric: false, format: 'fake' as const } : { kind: 'float32' as const };
      const quantLayers = build.quant?.layers ?? 'all';
      const whole = runBudget(spec, { ...scenario(0), weights, quantLayers, kvQuant: !!build.kv, layerGroupSize: L }, T).peakBytes;
      const ref = await loadAndRun(build);
      const got = await loadAndRun({ ...build, memoryBudgetBytes: whole - 1 });
      if (!ref.result || !got.result) throw new Error(`no result: ${ref.error ?? got.error}`);
      expect(got.layered, JSON.stringify(build)).toBe(true);
      // KV fake quant rounds inside the graph, so the bound is the quantized cache's (lib/testing/tolerances.ts).
      const dtype = build.kv ? (build.kv.bits === 4 ? 'int4' : 'int8') : 'float32';
      expect(maxAbsDiff(got.result.nll, ref.result.nll), JSON.stringify(build)).toBeLessThan(tolerance('same-function-nll', dtype, 'cpu'));
    }
  });

  it("engine 'layered' with a group size forces layer streaming where the whole graph fits; the result's device report carries the hand-offs", async () => {
    const ref = await loadAndRun({});
    const got = await loadAndRun({ engine: 'layered', layerGroupSize: 3, memoryBudgetBytes: 2 ** 30, memoryBudgetReason: 'the test budget' });
    if (!ref.result || !got.result) throw new Error(`no result: ${ref.error ?? got.error}`);
    expect(got.layered).toBe(true);
    expect(got.responses.find((r) => r.kind === 'progress' && r.stage === 'create-session')).toMatchObject({
      message: expect.stringMatching(/3 layer\(s\) per group/),
    });
    expect(maxAbsDiff(got.result.nll, ref.result.nll)).toBeLessThan(tolerance('same-function-nll', 'float32', 'cpu'));
    // 8 layers in groups of 3: two hand-offs between groups and one to the head, as CPU handles on onnxruntime-node.
    expect(got.result.device.handOff).toEqual({ count: 3, onDevice: 0, downloads: 0 });
    expect(ref.result.device.handOff).toBeUndefined();
    const without = await loadAndRun({ engine: 'layered' });
    expect(without.error).toBe("engine 'layered' needs a memory budget (memoryBudgetBytes) to plan its layer cache");
  });

  it('refuses a budget too small for one layer at a time with the numbers, and the handler keeps working', async () => {
    const oneLayer = runBudget(spec, { ...scenario(0), engine: 'layer-streamed', layerGroupSize: 1, layerCacheBytes: 0 }, T).peakBytes;
    const out = await loadAndRun({ memoryBudgetBytes: oneLayer - 1, memoryBudgetReason: 'the test budget' });
    expect(out.error).toMatch(
      new RegExp(
        `does not fit even layer-streamed \\(1 layer\\(s\\) per group\\): needs .* \\(${oneLayer} bytes; .*available .* \\(${oneLayer - 1} bytes\\): the test budget`,
      ),
    );
    const error = out.responses.find((r) => r.kind === 'error');
    expect(error?.kind === 'error' && error.error.name).toBe('BudgetExceededError');
    // The same handler still loads and runs (the budget that fits one layer).
    const { cos, sin } = graphRopeInputs(spec.rope, T);
    await out.handler.handle({
      kind: 'load-model',
      requestId: 3,
      sessionKey: 'ok',
      source: { kind: 'files', files, build: { seqLen: T, memoryBudgetBytes: oneLayer } },
      device: 'wasm',
    });
    await out.handler.handle({ kind: 'run', requestId: 4, sessionKey: 'ok', ids, cos, sin, headDim: spec.headDim, wantTaps: false });
    expect(out.responses.at(-1)?.kind).toBe('result');
  });

  it('agrees with the CLI’s eval on the same folder (whole graph and layered)', async () => {
    const ref = await loadAndRun({});
    if (!ref.result) throw new Error(ref.error);
    const meanNll = ref.result.nll.reduce((a, x) => a + x, 0) / ref.result.nll.length;
    for (const engine of ['whole', 'layered']) {
      const cli = await runCli([
        'eval',
        '--model',
        dir,
        '--text',
        join(dir, 'text.txt'),
        '--contexts',
        String(T),
        '--windows',
        '1',
        '--engine',
        engine,
        '--threads',
        '2',
        '--json',
      ]);
      expect(cli.code, cli.stderr).toBe(0);
      const report = JSON.parse(cli.stdout) as { engine: { kind: string }; contexts: Array<{ context: number; windows: number; nll: number }> };
      expect(report.engine.kind).toBe(engine === 'whole' ? 'whole-graph' : 'layer-streamed');
      expect(report.contexts[0]).toMatchObject({ context: T, windows: 1 });
      expect(Math.abs(report.contexts[0].nll - meanNll)).toBeLessThan(tolerance('same-function-nll', 'float32', 'cpu'));
    }
  }, 120_000);
});
