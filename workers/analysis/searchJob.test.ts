// The Q-ROAR search runs whole in the analysis worker (issue #10 item 6): the page's analysis
// client → in-process analysis worker → its own engine client over a real MessageChannel → the
// page's engine handler (onnxruntime-node standing in for ORT-web, the built-in folder read by
// HTTP ranges). The reference is lib/scenario runSearch in-process, as hooks/useQroarSearch ran it
// before, on a second, separate engine worker (no shared sessions or run memo), so equal answers
// are two computations agreeing.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { builtinSpec } from '../../cli/engine/testing/builtin';
import type { CandidateRecord } from '../../lib/qroar/search';
import { planScenario } from '../../lib/scenario/plan';
import { runSearch, type SearchRunResult } from '../../lib/scenario/search';
import { searchJobOf, searchOpener, type SearchChoice } from '../../lib/scenario/searchRun';
import { defaultSettings, type Settings } from '../../lib/settings/settings';
import { jobModelOf, scenarioPortModelOf, type JobModelSource } from '../engine/jobModel';
import { createScenarioPort } from '../engine/scenarioPort';
import type { AnalysisJobProgress } from './client';
import { createAnalysisHandler } from './handler';
import type { AnalysisResponse } from './protocol';
import { builtinPageModel, connectedJobWorkers } from './testing/builtinJobs';

const ROOT = join(import.meta.dirname, '..', '..');
const spec = builtinSpec();
// The byte-level model's ids are the text's bytes (its tokenizer adds no BOS).
const devTokens = Int32Array.from(readFileSync(join(ROOT, 'public', 'text', 'brown-dev.txt')));
const testTokens = Int32Array.from(readFileSync(join(ROOT, 'public', 'text', 'brown-test.txt')));

const pageModel: JobModelSource = builtinPageModel(spec, 'search-job-test', { kind: 'bytes', vocabSize: 256, bos: null, eos: null });
const model = jobModelOf(pageModel);

// A short search: no PI, L′ = 384 past the trained 256 (S = 256), 2 bands × 3 grid points = 5
// candidates, 2 dev windows, 2 test windows, 2-bit weights.
const d = defaultSettings();
const settings: Settings = {
  ...d,
  pi: { ...d.pi, method: 'default', factor: 1 },
  targetContextTokens: 384,
  bands: { kind: 'equal-log', count: 2 },
  compareMethods: [],
};
const choice: SearchChoice = { devTokens, testTokens, gridPoints: 3, guardTolerance: 0.05, window: { lo: 0.9, hi: 1.1 }, windows: 2, testWindows: 2 };
const plan = planScenario(settings, pageModel);

const workers = connectedJobWorkers({ reference: true });
const { analysisWorker, analysis } = workers;
const referencePort = createScenarioPort(workers.referenceEngine!, scenarioPortModelOf(pageModel), { device: settings.device });

/** Wall-clock fields (they differ from run to run) removed, everywhere in a record. */
function withoutTimes(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutTimes);
  if (value && typeof value === 'object' && !ArrayBuffer.isView(value)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) if (!['elapsedMs', 'sinceStartMs', 'seconds', 'tokensPerSecond'].includes(k)) out[k] = withoutTimes(v);
    return out;
  }
  return value;
}

let reference: { result: SearchRunResult; candidates: CandidateRecord[]; totals: number[]; lines: string[] } | null = null;
async function referenceSearch() {
  if (reference) return reference;
  const candidates: CandidateRecord[] = [];
  const totals: number[] = [];
  const lines: string[] = [];
  const result = await runSearch({
    ...searchJobOf(plan, choice),
    openEngine: searchOpener(plan, referencePort, devTokens),
    onCandidate: (c, total) => {
      candidates.push(c);
      totals.push(total);
    },
    onProgress: (line) => lines.push(line),
  });
  reference = { result, candidates, totals, lines };
  return reference;
}

afterAll(() => workers.close());

describe('search-job in the analysis worker', () => {
  it('streams the candidates and answers the result runSearch gives in-process', async () => {
    const candidates: CandidateRecord[] = [];
    const totals: number[] = [];
    const progress: AnalysisJobProgress[] = [];
    const result = await analysis.searchJob(
      { settings, model, choice },
      {
        onCandidate: (c, total) => {
          candidates.push(c);
          totals.push(total);
        },
        onProgress: (p) => progress.push(p),
      },
    );
    const ref = await referenceSearch();
    expect(ref.result.cancelled).toBe(false);
    expect(ref.candidates).toHaveLength(5);
    expect(withoutTimes(candidates)).toEqual(withoutTimes(ref.candidates));
    expect(totals).toEqual(ref.totals);
    expect(withoutTimes(result)).toEqual(withoutTimes(ref.result));
    // Wall clock is still measured, not zeroed.
    expect(result.seconds).toBeGreaterThan(0);
    expect(candidates.every((c) => c.elapsedMs > 0)).toBe(true);
    // The lines are runSearch's own, in order; the engine reported its device.
    expect(progress.filter((p) => p.message !== undefined).map((p) => p.message)).toEqual(ref.lines);
    expect(progress.find((p) => p.device)?.device?.used).toBe('cpu');
    // The ids were copied, not transferred.
    expect(devTokens.length).toBeGreaterThan(2 * 384);
  }, 600_000);

  it('a cancel mid-search answers the cancelled result with the candidates that finished; the next search still works', async () => {
    const ref = await referenceSearch();
    const controller = new AbortController();
    const streamed: CandidateRecord[] = [];
    const cancelled = await analysis.searchJob(
      { settings, model, choice },
      {
        signal: controller.signal,
        onCandidate: (c) => {
          streamed.push(c);
          if (streamed.length === 2) controller.abort();
        },
      },
    );
    expect(cancelled.cancelled).toBe(true);
    expect(cancelled.dev).toBeNull();
    expect(cancelled.test).toBeNull();
    // Stopped between candidates or mid-candidate: either way a prefix of the full search, all streamed.
    expect(cancelled.candidates.length).toBeGreaterThanOrEqual(2);
    expect(cancelled.candidates.length).toBeLessThan(ref.candidates.length);
    expect(withoutTimes(cancelled.candidates)).toEqual(withoutTimes(ref.candidates.slice(0, cancelled.candidates.length)));
    expect(withoutTimes(streamed)).toEqual(withoutTimes(cancelled.candidates));
    expect(analysisWorker.responses.at(-1)).toMatchObject({ kind: 'search-job-result', result: { cancelled: true } });

    // A signal aborted before the request is sent rejects at once (the hook then shows nothing run).
    const early = new AbortController();
    early.abort();
    await expect(analysis.searchJob({ settings, model, choice }, { signal: early.signal })).rejects.toMatchObject({ name: 'AbortError' });

    const next = await analysis.searchJob({ settings, model, choice });
    expect(withoutTimes(next)).toEqual(withoutTimes(ref.result));
  }, 600_000);

  it('a search cancelled before it started answers the cancelled result (no candidates), not an error', async () => {
    const posted: AnalysisResponse[] = [];
    const handler = createAnalysisHandler({ post: (r) => posted.push(r) });
    handler.attachEngine(workers.referenceEngine!);
    await handler.handle({ kind: 'cancel', requestId: 99, targetRequestId: 1 });
    await handler.handle({ kind: 'search-job', requestId: 1, job: { settings, model, choice } });
    expect(posted.map((r) => r.kind)).toEqual(['search-job-result']);
    const answer = posted[0] as Extract<AnalysisResponse, { kind: 'search-job-result' }>;
    expect(answer.result).toMatchObject({ cancelled: true, candidates: [], chosenScales: [1, 1], windows: 2, guardTolerance: 0.05 });
  });
});
