// Black-box check of the browser engine: the harness route runs the built-in model in the engine
// worker (onnxruntime-web), and its NLL must match onnxruntime-node on the same window and the
// PyTorch fixture. Plus WebGPU checks on SwiftShader (tiny windows: it is ~100× slower than WASM):
// the whole graph, and the layer-streamed engine with its hidden state kept on the GPU.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { ropeCosSinTable } from '../lib/rope/cosSin';
import { ropeFrequencies } from '../lib/rope/frequencies';
import { createOrtNodeRuntime } from '../workers/runtime/ort-node';
import { createUrlGraphBuilder } from '../workers/engine/buildGraph';
import { createEngineHandler } from '../workers/engine/handler';
import { specFromHfConfig } from '../lib/model/hfConfig';
import type { EngineResponse } from '../workers/engine/protocol';
import { diskFetch } from '../workers/engine/testing/diskFetch';
import { tolerance } from '../lib/testing/tolerances';

const ROOT = join(import.meta.dirname, '..');
const MODEL_URL = '/models/bandscope-byte-4m/';

interface BrowserRun {
  meanNll: number;
  nll: number[];
  device: {
    used: string;
    threads: number;
    requested: string;
    adapterInfo?: { architecture: string };
    fallbackReason?: string;
    handOff?: { count: number; onDevice: number; downloads: number; reason?: string };
  };
}

async function runInBrowser(page: Page, query: string): Promise<BrowserRun> {
  await page.goto(`/engine-harness?${query}`);
  const done = page.getByTestId('engine-mean-nll').or(page.getByTestId('engine-error'));
  await expect(done).toBeVisible({ timeout: 150_000 });
  const error = await page
    .getByTestId('engine-error')
    .textContent({ timeout: 100 })
    .catch(() => null);
  expect(error, 'harness reported an error').toBeNull();
  return {
    meanNll: Number(await page.getByTestId('engine-mean-nll').textContent()),
    nll: JSON.parse((await page.getByTestId('engine-nll').textContent()) ?? '[]') as number[],
    device: JSON.parse((await page.getByTestId('engine-device-report').textContent()) ?? '{}') as BrowserRun['device'],
  };
}

/** The same window through the same handler and graph builder, on onnxruntime-node. */
async function runInNode(tokenCount: number): Promise<Float32Array> {
  const responses: EngineResponse[] = [];
  const handler = createEngineHandler({
    runtime: createOrtNodeRuntime(),
    buildGraphFromUrl: createUrlGraphBuilder(diskFetch(join(ROOT, 'public'))),
    post: (r) => responses.push(r),
  });
  await handler.handle({
    kind: 'load-model',
    requestId: 1,
    sessionKey: 'k',
    source: { kind: 'hf-url', baseUrl: MODEL_URL, build: { seqLen: tokenCount } },
    device: 'wasm',
  });
  const spec = specFromHfConfig(JSON.parse(readFileSync(join(ROOT, 'public', MODEL_URL, 'config.json'), 'utf8')) as Record<string, unknown>);
  const { invFreqRadPerToken, attentionFactor } = ropeFrequencies(spec.rope);
  const { cos, sin } = ropeCosSinTable(invFreqRadPerToken, attentionFactor, 0, tokenCount, 'half-split');
  const ids = Int32Array.from(readFileSync(join(ROOT, 'public', 'text', 'brown-test.txt')).subarray(0, tokenCount));
  await handler.handle({ kind: 'run', requestId: 2, sessionKey: 'k', ids, cos, sin, headDim: spec.headDim, wantTaps: false });
  const result = responses.at(-1);
  if (result?.kind !== 'result') throw new Error(`node run failed: ${JSON.stringify(responses.filter((r) => r.kind === 'error'))}`);
  return result.nll;
}

const maxAbsDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
};
const mean = (a: ArrayLike<number>) => Array.from(a).reduce((s, x) => s + x, 0) / a.length;

test('WASM in a cross-origin isolated worker matches onnxruntime-node on 256 tokens of brown-test', async ({ page }) => {
  const browser = await runInBrowser(page, 'device=wasm&tokens=256');
  await expect(page.getByTestId('engine-isolated')).toHaveText('true');
  expect(browser.device.used).toBe('wasm');
  expect(browser.device.threads).toBe(2);
  const node = await runInNode(256);
  expect(Math.abs(browser.meanNll - mean(node))).toBeLessThan(tolerance('mean-nll', 'float32', 'wasm'));
  expect(maxAbsDiff(browser.nll, node)).toBeLessThan(tolerance('per-token-nll', 'float32', 'wasm'));
  // and the PyTorch reference (training/fixture, case text0-default-fp32)
  const fixture = JSON.parse(readFileSync(join(ROOT, 'training', 'fixture', 'index.json'), 'utf8')) as { cases: Array<{ id: string; meanNll: number }> };
  const reference = fixture.cases.find((c) => c.id === 'text0-default-fp32');
  expect(Math.abs(browser.meanNll - (reference?.meanNll ?? NaN))).toBeLessThan(tolerance('mean-nll', 'float32', 'wasm'));
});

test('WebGPU (SwiftShader) smoke: 32 tokens agree with WASM and report the webgpu device', async ({ page }) => {
  const wasm = await runInBrowser(page, 'device=wasm&tokens=32');
  const gpu = await runInBrowser(page, 'device=webgpu&tokens=32');
  expect(gpu.device.used, `fallback: ${gpu.device.fallbackReason ?? 'none'}`).toBe('webgpu');
  expect(gpu.device.adapterInfo?.architecture).toBeTruthy();
  expect(Math.abs(gpu.meanNll - wasm.meanNll)).toBeLessThan(tolerance('mean-nll', 'float32', 'webgpu'));
  expect(maxAbsDiff(gpu.nll, wasm.nll)).toBeLessThan(tolerance('per-token-nll', 'float32', 'webgpu'));
});

test('WebGPU (SwiftShader) layered, 2 layers per group: the hidden state stays on the GPU between groups and into the head; 32 tokens agree with WASM', async ({
  page,
}) => {
  const wasm = await runInBrowser(page, 'device=wasm&tokens=32');
  // The same engine on WASM: three hand-offs (6 layers / 2, the last into the head), all in CPU memory, none a download.
  const wasmLayered = await runInBrowser(page, 'device=wasm&tokens=32&engine=layered&group=2');
  expect(wasmLayered.device.handOff).toEqual({ count: 3, onDevice: 0, downloads: 0 });
  expect(maxAbsDiff(wasmLayered.nll, wasm.nll)).toBeLessThan(tolerance('per-token-nll', 'float32', 'wasm'));
  const gpu = await runInBrowser(page, 'device=webgpu&tokens=32&engine=layered&group=2');
  expect(gpu.device.used, `fallback: ${gpu.device.fallbackReason ?? 'none'}`).toBe('webgpu');
  expect(gpu.device.handOff, gpu.device.handOff?.reason).toEqual({ count: 3, onDevice: 3, downloads: 0 });
  expect(Math.abs(gpu.meanNll - wasm.meanNll)).toBeLessThan(tolerance('mean-nll', 'float32', 'webgpu'));
  expect(maxAbsDiff(gpu.nll, wasm.nll)).toBeLessThan(tolerance('per-token-nll', 'float32', 'webgpu'));
});
