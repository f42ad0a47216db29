// The analysis handler's own behaviour, without an engine: slider requests queue and cancel, errors
// cross as data. The analysis math is tested in lib/scenario (diagnosticsCompute.test.ts,
// diagnosticsProxy.test.ts); the jobs that set up proxies on real runs in jobs.test.ts.
import { describe, expect, it } from 'vitest';
import { createAnalysisClient } from './client';
import { createAnalysisHandler } from './handler';
import type { AnalysisResponse } from './protocol';
import { createInProcessAnalysisWorker } from './testing/inProcessAnalysisWorker';

describe('analysis handler', () => {
  it('a slider request on a setup it does not hold is an error naming it; cancel drops a queued request', async () => {
    const out: AnalysisResponse[] = [];
    const handler = createAnalysisHandler({ post: (r) => out.push(r) });
    const p1 = handler.handle({ kind: 'proxy-eval', requestId: 1, setupId: 'missing', bandScales: [1, 1], variant: 'shared' });
    const p2 = handler.handle({ kind: 'proxy-eval', requestId: 2, setupId: 'missing', bandScales: [1, 1], variant: 'shared' });
    await handler.handle({ kind: 'cancel', requestId: 3, targetRequestId: 2 });
    await Promise.all([p1, p2]);
    expect(out[0]).toMatchObject({ kind: 'error', requestId: 1 });
    if (out[0].kind === 'error') expect(out[0].error.message).toMatch(/no proxy setup 'missing' \(have: none\)/);
    expect(out[1]).toMatchObject({ kind: 'error', requestId: 2, error: { name: 'AbortError' } });
  });

  it('a job cancelled before it starts is answered with an AbortError, without running', async () => {
    const out: AnalysisResponse[] = [];
    const handler = createAnalysisHandler({ post: (r) => out.push(r) });
    await handler.handle({ kind: 'cancel', requestId: 2, targetRequestId: 1 });
    // No engine is attached (a job that ran would fail on that instead), and the job is never read.
    await handler.handle({ kind: 'proxy-setup-job', requestId: 1, setupId: 's', job: null as never });
    expect(out).toEqual([{ kind: 'error', requestId: 1, error: { name: 'AbortError', message: 'request 1 was cancelled' } }]);
  });
});

describe('analysis client over an in-process worker', () => {
  it('rejects a request whose signal is already aborted, and a worker error as an Error with its message', async () => {
    const client = createAnalysisClient(createInProcessAnalysisWorker);
    const ac = new AbortController();
    ac.abort();
    await expect(client.proxyEval('s', [1, 1], 'shared', { signal: ac.signal })).rejects.toMatchObject({ name: 'AbortError' });
    await expect(client.proxyEval('missing', [1, 1], 'shared')).rejects.toThrow(/no proxy setup 'missing'/);
    client.terminate();
  });
});
