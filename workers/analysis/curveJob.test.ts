// The perplexity curves run whole in the analysis worker (issue #10 item 6): the page's analysis
// client → in-process analysis worker → its own engine client over a real MessageChannel → the
// page's engine handler (onnxruntime-node standing in for ORT-web, the built-in folder read by
// HTTP ranges). The reference is lib/scenario runCurve in-process on a second, separate engine
// worker (no shared sessions or run memo), so equal answers are two computations agreeing.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { builtinSpec } from '../../cli/engine/testing/builtin';
import type { CurveJob } from '../../lib/scenario/curveJobs';
import { runCurve } from '../../lib/scenario/curveRun';
import type { CurveResult } from '../../lib/scenario/perplexityCurve';
import { planScenario } from '../../lib/scenario/plan';
import { defaultSettings, type Settings } from '../../lib/settings/settings';
import type { GgufTokenizerSource } from '../../lib/tokenize/types';
import { jobModelOf, scenarioPortModelOf, type JobModelSource } from '../engine/jobModel';
import { createScenarioPort } from '../engine/scenarioPort';
import { setTimelineSink } from '../timeline';
import type { AnalysisJobProgress } from './client';
import { builtinPageModel, connectedJobWorkers, lastJobAnswer } from './testing/builtinJobs';

const ROOT = join(import.meta.dirname, '..', '..');
const spec = builtinSpec();
// The byte-level model's ids are the text's bytes (its tokenizer adds no BOS).
const heldOut = Int32Array.from(readFileSync(join(ROOT, 'public', 'text', 'brown-test.txt')));

// The page's model as hooks/useModelInfo has it for the built-in folder: the tokenizer included.
const pageModel: JobModelSource = builtinPageModel(spec, 'curve-job-test', { kind: 'bytes', vocabSize: 256, bos: null, eos: null });
const model = jobModelOf(pageModel);

// The default scenario: dynamic NTK ×8 to 2048 (one graph per frequency group, each over its own
// prefix length), YaRN ×8 overlaid, 2-bit weights.
const settings: Settings = defaultSettings();
const pagePlan = planScenario(settings, pageModel);
const curveOf = (key: string): CurveJob => {
  const job = pagePlan.curves.find((c) => c.key === key);
  if (!job) throw new Error(`the default plan has no curve ${key}`);
  return job;
};

const workers = connectedJobWorkers({ reference: true });
const { pageEngine, analysisWorker, analysis } = workers;
const pagePort = createScenarioPort(pageEngine, scenarioPortModelOf(pageModel), { device: settings.device });
// The reference's own engine worker: its sessions and run memo are not the page's.
const referencePort = createScenarioPort(workers.referenceEngine!, scenarioPortModelOf(pageModel), { device: settings.device });

/**
 * A curve's numbers: everything but the wall time of its runs (`seconds`, `tokensPerSecond` differ
 * from run to run and between engine workers), which must still be measured.
 */
function numbersOf(result: CurveResult) {
  return {
    curve: result.curve,
    perContext: result.perContext.map(({ seconds, tokensPerSecond, ...numbers }) => {
      expect(seconds).toBeGreaterThanOrEqual(0);
      expect(Number.isFinite(tokensPerSecond) || seconds === 0).toBe(true);
      return numbers;
    }),
  };
}

afterEach(() => setTimelineSink(null));
afterAll(() => workers.close());

describe('the worker plans what the page plans', () => {
  // A llama2-style GGUF tokenizer: BOS 1 added at the start (llama-perplexity writes it over each chunk).
  const llamaTokenizer: GgufTokenizerSource = {
    kind: 'gguf',
    model: 'llama',
    pre: null,
    tokens: ['<unk>', '<s>', '</s>'],
    scores: null,
    tokenTypes: null,
    merges: null,
    bosId: 1,
    eosId: 2,
    unkId: 0,
    addBos: true,
    addEos: false,
    addSpacePrefix: true,
  };

  it.each([
    ['the built-in model (no BOS)', pageModel, null],
    ['a model whose tokenizer adds BOS 1', { ...pageModel, tokenizer: llamaTokenizer }, 1],
  ] as const)('%s: every curve’s plan.key and scoring are the page’s, after the model is structured-cloned', (_name, page, bosId) => {
    for (const s of [settings, { ...settings, appliedScales: [1.1, 1, 1, 0.9] }]) {
      const onPage = planScenario(s, page);
      const inWorker = planScenario(structuredClone(s), structuredClone(jobModelOf(page)));
      expect(inWorker.scoring).toEqual({ mode: s.scoreMode, bosId });
      expect(inWorker.curves).toEqual(onPage.curves);
      for (const c of onPage.curves) {
        const job = { kind: 'curve', method: c.method, variant: c.variant, text: 'brown-test' } as const;
        expect(inWorker.key(job)).toBe(onPage.key(job));
      }
    }
    // The BOS is in the key: a worker that dropped it would cache under another key.
    const noTokenizer = planScenario(settings, { ...jobModelOf(page), bosId: null });
    const first = { kind: 'curve', method: 'dynamic', variant: 'fp', text: 'brown-test' } as const;
    expect(noTokenizer.key(first) === planScenario(settings, page).key(first)).toBe(bosId === null);
  });
});

describe('curve-job in the analysis worker', () => {
  it('the default dynamic-NTK PTQ curve equals runCurve in-process, with its progress lines and the device', async () => {
    const job = curveOf('dynamic/ptq');
    const progress: AnalysisJobProgress[] = [];
    const runLengths: number[] = [];
    setTimelineSink((name) => {
      const run = /^engine run T=(\d+)/.exec(name);
      if (run) runLengths.push(Number(run[1]));
    });
    const inWorker = await analysis.curveJob({ settings, model, tokens: heldOut }, job, { onProgress: (p) => progress.push(p) });
    setTimelineSink(null);
    // One window of 2048 (the 1024-token budget); each frequency group runs only its own prefix:
    // dynamic NTK leaves the frequencies alone up to L = 256, so 64, 128 and 256 share one run.
    expect(runLengths).toEqual([256, 512, 1024, 2048]);
    const lines: string[] = [];
    const reference = await runCurve(pagePlan, job, referencePort, heldOut, (_f, message) => lines.push(message));

    expect(numbersOf(inWorker)).toEqual(numbersOf(reference));
    expect(inWorker.perContext.map((c) => c.context)).toEqual([64, 128, 256, 512, 1024, 2048]);
    // The card's lines are runCurve's own, in the same order.
    expect(progress.filter((p) => p.message !== undefined).map((p) => p.message)).toEqual(lines);
    expect(progress.find((p) => p.device)?.device?.used).toBe('cpu');
    // The tokens were copied, not transferred: the page keeps its cached ids.
    expect(heldOut.length).toBeGreaterThan(2048);
  }, 300_000);

  it('a static method (YaRN FP) equals runCurve in-process; the page’s engine worker ran it (its windows are then reused there)', async () => {
    const job = curveOf('yarn/fp');
    const inWorker = await analysis.curveJob({ settings, model, tokens: heldOut }, job);
    const reference = await runCurve(pagePlan, job, referencePort, heldOut, () => {});
    expect(numbersOf(inWorker)).toEqual(numbersOf(reference));

    // Same engine worker, same session keys: the page's own runCurve of that curve costs no pass.
    const runs: string[] = [];
    setTimelineSink((name) => {
      if (name.startsWith('engine run')) runs.push(name);
    });
    expect(numbersOf(await runCurve(pagePlan, job, pagePort, heldOut, () => {}))).toEqual(numbersOf(reference));
    expect(runs.length).toBeGreaterThan(0);
    expect(runs.filter((r) => !/ reused /.test(r))).toEqual([]);
  }, 300_000);

  it('cancel via the AbortSignal ends the job with an AbortError; the next curve job still works', async () => {
    const controller = new AbortController();
    const running = analysis.curveJob({ settings, model, tokens: heldOut }, curveOf('dynamic/fp'), {
      signal: controller.signal,
      onProgress: () => controller.abort(),
    });
    await expect(running).rejects.toMatchObject({ name: 'AbortError' });
    // The page stops waiting at once; the job itself ends with an AbortError (its engine requests cancelled), not a result.
    expect(await lastJobAnswer(analysisWorker)).toMatchObject({ kind: 'error', error: { name: 'AbortError' } });

    const short: Settings = { ...settings, targetContextTokens: 256 };
    const shortPlan = planScenario(short, pageModel);
    const next = await analysis.curveJob({ settings: short, model, tokens: heldOut }, shortPlan.curves[0]);
    expect(numbersOf(next)).toEqual(numbersOf(await runCurve(shortPlan, shortPlan.curves[0], referencePort, heldOut, () => {})));
  }, 300_000);

  it('a curve the settings do not have is refused with the curves they do have', async () => {
    await expect(analysis.curveJob({ settings, model, tokens: heldOut }, { key: 'longrope/fp', method: 'longrope', variant: 'fp' })).rejects.toThrow(
      "these settings have no 'longrope/fp' perplexity curve (they run: dynamic/fp, dynamic/ptq, yarn/fp, yarn/ptq)",
    );
  });
});
