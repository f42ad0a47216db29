// The diagnostics and slider-proxy jobs run whole in the analysis worker (issue #10 item 6): the
// page's analysis client → in-process analysis worker → its own engine client over a real
// MessageChannel → the engine handler the page's client also uses (onnxruntime-node standing in
// for ORT-web, the built-in folder read by HTTP ranges). The answers equal lib/scenario's jobs run
// in-process on the page's own engine port: runDiagnostics + computeDiagnostics, runProxySetup +
// createLayeredProxy.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { builtinSpec } from '../../cli/engine/testing/builtin';
import { computeDiagnostics } from '../../lib/scenario/diagnosticsCompute';
import { runDiagnostics, runProxySetup } from '../../lib/scenario/diagnosticsJob';
import { createLayeredProxy } from '../../lib/scenario/diagnosticsProxy';
import { planScenario } from '../../lib/scenario/plan';
import { defaultSettings, type Settings } from '../../lib/settings/settings';
import { jobModelOf, scenarioPortModelOf, type JobModel } from '../engine/jobModel';
import { createScenarioPort } from '../engine/scenarioPort';
import { createAnalysisClient, type AnalysisJobProgress } from './client';
import { MAX_PROXY_SETUPS } from './handler';
import { ANALYSIS_PROGRESS } from './jobs';
import { builtinPageModel, connectedJobWorkers, lastJobAnswer } from './testing/builtinJobs';
import { createInProcessAnalysisWorker } from './testing/inProcessAnalysisWorker';

const ROOT = join(import.meta.dirname, '..', '..');
const spec = builtinSpec();
// The byte-level model's ids are the text's bytes (its tokenizer adds no BOS).
const heldOut = Int32Array.from(readFileSync(join(ROOT, 'public', 'text', 'brown-test.txt')));
const dev = Int32Array.from(readFileSync(join(ROOT, 'public', 'text', 'brown-dev.txt')));

const model: JobModel = jobModelOf(builtinPageModel(spec, 'jobs-test'));

// Dynamic NTK ×2 to L′ = 512, 4-bit weights and an int8 per-token post-RoPE KV cache: the
// quantized run reads the k_kv tap, and the fp16 noise floor runs too.
const d = defaultSettings();
const settings: Settings = {
  ...d,
  pi: { ...d.pi, method: 'dynamic', factor: 2 },
  targetContextTokens: 512,
  weightQuant: { bits: 4, group: 32, symmetric: false, layers: 'all' },
  kvQuant: { bits: 8, keys: true, values: true, grouping: 'token', keyStage: 'post', hadamard: false },
  compareMethods: [],
};

const workers = connectedJobWorkers();
const { pageEngine, analysisWorker, analysis } = workers;
const pagePort = createScenarioPort(pageEngine, scenarioPortModelOf(model), { device: settings.device });

afterAll(() => workers.close());

describe('whole jobs in the analysis worker', () => {
  it('diagnostics-job gives exactly the DiagnosticsResult of runDiagnostics + computeDiagnostics in-process, with progress and the device', async () => {
    const progress: AnalysisJobProgress[] = [];
    const inWorker = await analysis.diagnosticsJob({ settings, model, tokens: heldOut }, { onProgress: (p) => progress.push(p) });

    const plan = planScenario(settings, model);
    const runs = await runDiagnostics(plan, pagePort, heldOut, () => {});
    const reference = computeDiagnostics(runs.input);

    expect(runs.quantized).toBe(true);
    expect(inWorker.quantSkipped).toBe(runs.quantSkipped);
    expect(inWorker.device).toBe(runs.device);
    expect(inWorker.result.quantVariant).toBe('ptq');
    expect(inWorker.result).toEqual(reference);
    // The tokens were copied, not transferred: the page keeps its cached ids.
    expect(heldOut.length).toBeGreaterThan(512);
    // Progress as the hook reported it before: the job's own lines, then the analysis step.
    expect(progress.some((p) => p.message?.startsWith('fp T=512'))).toBe(true);
    expect(progress.filter((p) => p.message !== undefined).at(-1)).toEqual(ANALYSIS_PROGRESS);
    expect(progress.find((p) => p.device)?.device?.used).toBe('cpu');
  }, 180_000);

  it('proxy-setup-job keeps the proxy runProxySetup gives in-process: the same evaluations', async () => {
    const setupId = await analysis.proxySetupJob('proxy-1', { settings, model, tokens: dev });
    expect(setupId).toBe('proxy-1');
    const input = await runProxySetup(planScenario(settings, model), pagePort, dev, () => {});
    if (!input) throw new Error('expected a proxy input (the scenario is quantized)');
    const reference = createLayeredProxy(input);
    const scales = [1, 1.05, 0.95, 1];
    for (const variant of ['shared', 'symmetric', 'query-only'] as const) {
      expect(await analysis.proxyEval('proxy-1', scales, variant)).toEqual(reference.evaluate(scales, variant));
    }
    // Nothing quantized: no proxy, null.
    expect(await analysis.proxySetupJob('proxy-fp', { settings: { ...settings, weightQuant: null, kvQuant: null }, model, tokens: dev })).toBeNull();
  }, 180_000);

  it(`keeps at most MAX_PROXY_SETUPS (${MAX_PROXY_SETUPS}) proxies, evicting the oldest; a setup under a kept id replaces it`, async () => {
    // The same scenario each time: the engine's run memo answers the repeated runs.
    const ids = Array.from({ length: MAX_PROXY_SETUPS + 1 }, (_, i) => `evict-${i}`);
    for (const id of ids) expect(await analysis.proxySetupJob(id, { settings, model, tokens: dev })).toBe(id);
    await expect(analysis.proxyEval(ids[0], [1, 1, 1, 1], 'shared')).rejects.toThrow(/no proxy setup 'evict-0' \(have: evict-1, evict-2, evict-3, evict-4\)/);
    const kept = await analysis.proxyEval(ids[1], [1, 1, 1, 1], 'shared');
    expect(kept.rms).toBeGreaterThan(0);
    // Replaced by the FP-equals-quantized case (weights and KV unquantized but the proxy still needs a quantized run: 8-bit weights).
    const w8: Settings = { ...settings, weightQuant: { ...settings.weightQuant!, bits: 8 }, kvQuant: null };
    expect(await analysis.proxySetupJob(ids[1], { settings: w8, model, tokens: dev })).toBe(ids[1]);
    expect((await analysis.proxyEval(ids[1], [1, 1, 1, 1], 'shared')).rms).toBeLessThan(kept.rms);
  }, 180_000);

  it('the page’s AbortSignal cancels a running job; the worker and the engine go on answering', async () => {
    const controller = new AbortController();
    const running = analysis.diagnosticsJob(
      { settings: { ...settings, targetContextTokens: 384 }, model, tokens: heldOut },
      { signal: controller.signal, onProgress: () => controller.abort() },
    );
    await expect(running).rejects.toMatchObject({ name: 'AbortError' });
    // The page stops waiting at once; the job itself ends with an AbortError (its engine requests cancelled), not a result.
    expect(await lastJobAnswer(analysisWorker)).toMatchObject({ kind: 'error', error: { name: 'AbortError' } });
    expect(await analysis.proxySetupJob('proxy-2', { settings, model, tokens: dev })).toBe('proxy-2');
  }, 180_000);

  it('a job without an engine connection is refused with a message saying so', async () => {
    const lone = createAnalysisClient(createInProcessAnalysisWorker);
    await expect(lone.diagnosticsJob({ settings, model, tokens: heldOut })).rejects.toThrow(/no engine connection/);
    lone.terminate();
  });
});
