import { describe, expect, it } from 'vitest';
import type { CurveJob } from '../scenario/curveJobs';
import type { CurveResult } from '../scenario/perplexityCurve';
import { INPUT_HINT, JOB_FAILED_HINT, NOT_IN_REPORT_HINT, type QueryLike } from './chartState';
import { compoundingChartState, pplChartState, reportCompoundingState, reportPplState, type CurveStateArgs } from './curveStates';

const job = (method: CurveJob['method'], variant: CurveJob['variant']): CurveJob => ({ key: `${method}/${variant}`, method, variant });
const contexts = [128, 256, 512];
const result = (j: CurveJob, perplexity: number[]): CurveResult => ({
  curve: { method: j.method, variant: j.variant, contextTokens: contexts, perplexity },
  perContext: contexts.map((context, i) => ({
    context,
    windows: 2,
    tokens: 2 * context,
    predictions: 2 * (context - 1),
    firstScoredPrediction: 0,
    nll: Math.log(perplexity[i]),
    ppl: perplexity[i],
    seconds: 1,
    tokensPerSecond: 2 * context,
    perPositionNll: new Float64Array(context - 1).fill(Math.log(perplexity[i])),
    perWindowNll: new Float64Array(2).fill(Math.log(perplexity[i])),
  })),
});
const done = <T>(data: T): QueryLike<T> => ({ data, isError: false, error: null });
const pending: QueryLike<CurveResult> = { data: undefined, isError: false, error: null };
const failed = (message: string): QueryLike<CurveResult> => ({ data: undefined, isError: true, error: new Error(message) });

const fp = job('yarn', 'fp');
const ptq = job('yarn', 'ptq');
const base = (results: Array<QueryLike<CurveResult>>, jobs = [fp, ptq]): CurveStateArgs => ({
  jobs,
  results,
  progress: jobs.map(() => undefined),
  mainMethod: 'yarn',
  blocked: null,
  trainedWindowTokens: 256,
  theme: { dark: false },
  upstreamError: null,
});

describe('pplChartState', () => {
  it('an unreadable model or text is an input error for the whole chart', () => {
    expect(pplChartState({ ...base([pending, pending]), upstreamError: 'Model: bad magic', yScale: 'auto' }).state).toEqual({
      status: 'error',
      message: 'Model: bad magic',
      hint: INPUT_HINT,
    });
  });

  it('waits for the engine on the first pending main curve, with its progress when it has some', () => {
    const queued = pplChartState({ ...base([pending, pending]), yScale: 'auto' });
    expect(queued.state).toEqual({ status: 'loading', message: 'Perplexity (yarn/fp): waiting for the engine…' });
    const running = pplChartState({
      ...base([done(result(fp, [3, 4, 9])), pending]),
      progress: [undefined, { fraction: 0.5, message: 'window 1 of 2' }],
      yScale: 'auto',
    });
    expect(running.state).toEqual({ status: 'loading', message: 'Perplexity (yarn/ptq): window 1 of 2', fraction: 0.5 });
    expect(running.curves).toHaveLength(1);
  });

  it('a failed main curve is a job-failed error naming it; ready curves say how many tokens stand behind each point', () => {
    expect(pplChartState({ ...base([done(result(fp, [3, 4, 9])), failed('out of memory')]), yScale: 'auto' }).state).toEqual({
      status: 'error',
      message: 'yarn/ptq: out of memory',
      hint: JOB_FAILED_HINT,
    });
    const ready = pplChartState({ ...base([done(result(fp, [3, 4, 9])), done(result(ptq, [3.5, 5, 12]))]), yScale: 'auto' });
    if (ready.state.status !== 'ready') throw new Error(ready.state.status);
    expect(ready.state.note).toContain('held-out tokens per context (windows × tokens): 128: 2×128, 256: 2×256, 512: 2×512');
    expect(ready.state.table.rows).toHaveLength(6);
  });

  it('blocked quantized curves are not waited for; the note says why', () => {
    const s = pplChartState({ ...base([done(result(fp, [3, 4, 9])), pending]), blocked: 'KV bits 3 are not supported', yScale: 'auto' }).state;
    expect(s.status).toBe('ready');
    expect(s.status === 'ready' && s.note).toContain('quantized curves not run: KV bits 3 are not supported');
  });
});

describe('compoundingChartState', () => {
  it('nothing quantized, blocked, waiting, failed: each its own state', () => {
    expect(compoundingChartState({ ...base([pending], [fp]), view: 'relative' }).state).toMatchObject({
      status: 'error',
      message: 'No quantized run: nothing is quantized.',
    });
    expect(compoundingChartState({ ...base([pending, pending]), blocked: 'x', view: 'relative' }).state).toMatchObject({
      status: 'error',
      message: 'The quantized curves cannot run: x',
    });
    expect(compoundingChartState({ ...base([done(result(fp, [3, 4, 9])), pending]), view: 'relative' }).state).toEqual({
      status: 'loading',
      message: 'Quantization gap (the yarn quantized curve): waiting for the engine…',
    });
    expect(compoundingChartState({ ...base([failed('boom'), pending]), view: 'relative' }).state).toEqual({
      status: 'error',
      message: 'yarn/fp: boom',
      hint: JOB_FAILED_HINT,
    });
  });

  it('lays out the gap PPL_PTQ/PPL_FP − 1 per context from the two curves', () => {
    const built = compoundingChartState({ ...base([done(result(fp, [3, 4, 8])), done(result(ptq, [3.3, 5, 12]))]), view: 'relative' });
    expect(built.state.status).toBe('ready');
    const gap = built.data?.contexts[0];
    // Hand-computed: 3.3/3 − 1, 5/4 − 1, 12/8 − 1.
    expect(gap?.relativeGap.map((g) => Number(g.toFixed(12)))).toEqual([0.1, 0.25, 0.5]);
    expect(gap?.absoluteGap.map((g) => Number(g.toFixed(12)))).toEqual([0.3, 1, 4]);
  });
});

describe('report perplexity states', () => {
  const section = { curves: [result(fp, [3, 4, 8]).curve, result(ptq, [3.3, 5, 12]).curve], trainedWindowTokens: 256, tokenBudget: 1024, positionGaps: [] };
  it('a report without curves: the one "not in this report" state on both charts', () => {
    const absent = { status: 'error', message: 'This report holds no perplexity curves.', hint: NOT_IN_REPORT_HINT };
    expect(reportPplState(null, { dark: false })).toEqual(absent);
    expect(reportCompoundingState({ ...section, curves: [] }, 'relative', { dark: false })).toEqual(absent);
  });
  it('draws the saved curves with the report note; the position view needs saved per-position gaps', () => {
    expect(reportPplState(section, { dark: true })).toMatchObject({ status: 'ready', note: 'From the opened report. 1024 tokens scored per context.' });
    expect(reportCompoundingState(section, 'relative', { dark: false })).toMatchObject({ status: 'ready', note: 'From the opened report.' });
    expect(reportCompoundingState(section, 'position', { dark: false })).toMatchObject({ status: 'error', hint: 'Choose the relative or absolute view.' });
  });
});
