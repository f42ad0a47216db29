/**
 * `npm run bench`: tokens/s of per-token NLL evaluation of the built-in model at contexts 1024
 * and 2048, side by side — onnxruntime-node (native CPU), the browser (headless Chromium, engine
 * worker, WASM EP, 2 threads, cross-origin isolated page from `next start`) and, when
 * /usr/bin/python3 has torch, PyTorch CPU eager. Writes bench/results.json.
 * Each number is the best of REPEAT runs after building the graph (first run = warm-up).
 * Env: BENCH_URL (use a running server instead of spawning `next start`), BENCH_PORT (3200).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, platform, release } from 'node:os';
import { join } from 'node:path';
import { chromium } from '@playwright/test';
import { ropeCosSinTable } from '../lib/rope/cosSin';
import { ropeFrequencies } from '../lib/rope/frequencies';
import { createUrlGraphBuilder } from '../workers/engine/buildGraph';
import { createEngineHandler } from '../workers/engine/handler';
import { specFromHfConfig } from '../lib/model/hfConfig';
import type { EngineResponse } from '../workers/engine/protocol';
import { diskFetch } from '../workers/engine/testing/diskFetch';
import { createOrtNodeRuntime } from '../workers/runtime/ort-node';
import { findChromium } from './chromium.mjs';

const ROOT = join(import.meta.dirname, '..');
const CONTEXTS = [1024, 2048];
const REPEAT = 4;
const MODEL_URL = '/models/bandscope-byte-4m/';

interface Row {
  tokens: number;
  bestMs: number;
  tokensPerSecond: number;
  meanNll: number;
}

const mean = (a: ArrayLike<number>) => Array.from(a).reduce((s, x) => s + x, 0) / a.length;
const row = (tokens: number, bestMs: number, meanNll: number): Row => ({ tokens, bestMs, tokensPerSecond: (tokens / bestMs) * 1000, meanNll });

async function benchNode(): Promise<Row[]> {
  const spec = specFromHfConfig(JSON.parse(readFileSync(join(ROOT, 'public', MODEL_URL, 'config.json'), 'utf8')) as Record<string, unknown>);
  const text = readFileSync(join(ROOT, 'public', 'text', 'brown-test.txt'));
  const rows: Row[] = [];
  for (const tokens of CONTEXTS) {
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
      source: { kind: 'hf-url', baseUrl: MODEL_URL, build: { seqLen: tokens } },
      device: 'auto',
    });
    const { invFreqRadPerToken, attentionFactor } = ropeFrequencies(spec.rope);
    let bestMs = Infinity;
    let nll: Float32Array = new Float32Array(0);
    for (let r = 0; r <= REPEAT; r++) {
      const { cos, sin } = ropeCosSinTable(invFreqRadPerToken, attentionFactor, 0, tokens, spec.pairLayout);
      const start = performance.now();
      await handler.handle({
        kind: 'run',
        requestId: 2 + r,
        sessionKey: 'k',
        ids: Int32Array.from(text.subarray(0, tokens)),
        cos,
        sin,
        headDim: spec.headDim,
        wantTaps: false,
        // Every repeat runs: the handler's run memo would answer the same window from memory.
        fresh: true,
      });
      const elapsed = performance.now() - start;
      const result = responses.at(-1);
      if (result?.kind !== 'result') throw new Error(`node run failed: ${JSON.stringify(result)}`);
      nll = result.nll;
      bestMs = Math.min(bestMs, elapsed);
    }
    await handler.handle({ kind: 'dispose', requestId: 99 });
    rows.push(row(tokens, bestMs, mean(nll)));
    console.log(`onnxruntime-node  T=${tokens}: ${bestMs.toFixed(1)} ms`);
  }
  return rows;
}

async function waitForServer(url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`server at ${url} did not answer within ${timeoutMs} ms`);
}

async function benchBrowser(baseUrl: string): Promise<{ rows: Row[]; device: unknown; browserVersion: string }> {
  const executablePath = findChromium();
  if (!executablePath) throw new Error('no Chromium found (set CHROMIUM_PATH)');
  const browser = await chromium.launch({ executablePath, args: ['--no-sandbox'] });
  try {
    const rows: Row[] = [];
    let device: unknown = null;
    for (const tokens of CONTEXTS) {
      const page = await browser.newPage();
      await page.goto(`${baseUrl}/engine-harness?device=wasm&tokens=${tokens}&repeat=${REPEAT + 1}`);
      await page.getByTestId('engine-mean-nll').or(page.getByTestId('engine-error')).waitFor({ timeout: 300_000 });
      const error = await page.getByTestId('engine-error').count();
      if (error) throw new Error(`browser run failed: ${await page.getByTestId('engine-error').textContent()}`);
      const timing = JSON.parse((await page.getByTestId('engine-timing').textContent()) ?? '{}') as { runMs: number };
      device = JSON.parse((await page.getByTestId('engine-device-report').textContent()) ?? 'null');
      const meanNll = Number(await page.getByTestId('engine-mean-nll').textContent());
      rows.push(row(tokens, timing.runMs, meanNll));
      console.log(`browser wasm      T=${tokens}: ${timing.runMs.toFixed(1)} ms`);
      await page.close();
    }
    return { rows, device, browserVersion: browser.version() };
  } finally {
    await browser.close();
  }
}

function benchTorch(): { rows: Row[]; torch: string; threads: number } | { skipped: string } {
  const python = '/usr/bin/python3';
  if (!existsSync(python)) return { skipped: `${python} not found` };
  const probe = spawnSync(python, ['-c', 'import torch'], { encoding: 'utf8' });
  if (probe.status !== 0) return { skipped: `${python} has no torch` };
  const run = spawnSync(python, [join(ROOT, 'training', 'bench_torch.py'), '--tokens', ...CONTEXTS.map(String), '--repeat', String(REPEAT)], {
    encoding: 'utf8',
    maxBuffer: 1 << 20,
  });
  if (run.status !== 0) return { skipped: `bench_torch.py failed: ${run.stderr.slice(-500)}` };
  const parsed = JSON.parse(run.stdout) as { torch: string; threads: number; results: Array<{ tokens: number; bestSeconds: number; meanNll: number }> };
  for (const r of parsed.results) console.log(`pytorch eager     T=${r.tokens}: ${(r.bestSeconds * 1000).toFixed(1)} ms`);
  return { torch: parsed.torch, threads: parsed.threads, rows: parsed.results.map((r) => row(r.tokens, r.bestSeconds * 1000, r.meanNll)) };
}

async function main(): Promise<void> {
  // Other work on a shared machine skews every column; the load average says how much.
  const loadAverageAtStart = loadavg();
  const node = await benchNode();
  let server: ChildProcess | null = null;
  let baseUrl = process.env.BENCH_URL;
  if (!baseUrl) {
    if (!existsSync(join(ROOT, '.next', 'BUILD_ID'))) {
      const build = spawnSync('npx', ['next', 'build'], { cwd: ROOT, stdio: 'inherit', env: { ...process.env, NEXT_TELEMETRY_DISABLED: '1' } });
      if (build.status !== 0) throw new Error('next build failed');
    }
    const port = process.env.BENCH_PORT ?? '3200';
    server = spawn('npx', ['next', 'start', '-p', port], { cwd: ROOT, stdio: 'ignore', detached: true, env: { ...process.env, NEXT_TELEMETRY_DISABLED: '1' } });
    baseUrl = `http://localhost:${port}`;
    await waitForServer(baseUrl, 60_000);
  }
  let browser: Awaited<ReturnType<typeof benchBrowser>>;
  try {
    browser = await benchBrowser(baseUrl);
  } finally {
    // detached: the negative pid ends the npx → next-server group we started, nothing else
    if (server?.pid) process.kill(-server.pid, 'SIGTERM');
  }
  const torch = benchTorch();
  const comparison = CONTEXTS.map((tokens, i) => {
    const torchRow = 'rows' in torch ? torch.rows[i] : undefined;
    return {
      tokens,
      nodeTokensPerSecond: node[i].tokensPerSecond,
      browserTokensPerSecond: browser.rows[i].tokensPerSecond,
      torchTokensPerSecond: torchRow?.tokensPerSecond ?? null,
      browserOverNode: browser.rows[i].tokensPerSecond / node[i].tokensPerSecond,
      browserOverTorch: torchRow ? browser.rows[i].tokensPerSecond / torchRow.tokensPerSecond : null,
      browserMs: browser.rows[i].bestMs,
    };
  });
  const t2048 = comparison.find((c) => c.tokens === 2048);
  const targets = {
    browserAtLeastHalfOfNode: comparison.every((c) => c.browserOverNode >= 0.5),
    browser2048UnderTwoSeconds: t2048 ? t2048.browserMs < 2000 : null,
  };
  const results = {
    measuredAt: new Date().toISOString(),
    machine: {
      cpu: cpus()[0]?.model ?? 'unknown',
      cores: cpus().length,
      os: `${platform()} ${release()}`,
      node: process.version,
      loadAverageAtStart,
      loadAverageAtEnd: loadavg(),
    },
    model: 'public/models/bandscope-byte-4m (fp32)',
    text: 'public/text/brown-test.txt from byte 0',
    method: `best of ${REPEAT + 1} runs (first is warm-up) of one forward pass giving the per-token NLL of T tokens; graph built beforehand`,
    onnxruntimeNode: node,
    browser: { ...browser, ep: 'wasm' },
    pytorch: torch,
    comparison,
    targets,
  };
  mkdirSync(join(ROOT, 'bench'), { recursive: true });
  writeFileSync(join(ROOT, 'bench', 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
  console.table(comparison);
  console.log('targets', targets);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
