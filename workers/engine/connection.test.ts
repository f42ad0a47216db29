// Two clients on one engine (issue #10 item 6): the page's connection and a second one (the
// analysis worker's, over a MessagePort) share the one queue and session cache, each with its own
// request ids; answers go back where the request came from, and a cancel touches only its own.
import { afterEach, describe, expect, it } from 'vitest';
import { createOrtNodeRuntime } from '../runtime/ort-node';
import { createEngineClient } from './client';
import { messagePortWorker } from './connection';
import { createEngineHandler } from './handler';
import type { EngineRequest, EngineResponse } from './protocol';
import { createInProcessWorker } from './testing/inProcessWorker';
import { buildTinyEngineGraph } from './testing/tinyGraph';

const runtime = createOrtNodeRuntime({ intraOpNumThreads: 1 });

/** ids [T] = first, first+1, …; cos/sin [T, 2] of ones and twos: the tiny graph gives nll[t] = ids[t+1] + 2. */
function runRequest(requestId: number, first: number, tokenCount = 4): Extract<EngineRequest, { kind: 'run' }> {
  return {
    kind: 'run',
    requestId,
    sessionKey: 'shared',
    ids: Int32Array.from({ length: tokenCount }, (_, t) => first + t),
    cos: new Float32Array(tokenCount * 2).fill(1),
    sin: new Float32Array(tokenCount * 2).fill(2),
    headDim: 2,
    wantTaps: false,
  };
}
const expectedNll = (first: number, tokenCount = 4) => Array.from({ length: tokenCount - 1 }, (_, t) => first + t + 1 + 2);

function twoConnections() {
  let builds = 0;
  const page: EngineResponse[] = [];
  const other: EngineResponse[] = [];
  const handler = createEngineHandler({
    runtime,
    async buildGraphFromUrl() {
      builds++;
      return buildTinyEngineGraph();
    },
    post: (r) => page.push(r),
  });
  const second = handler.connect((r) => other.push(r));
  const load = (requestId: number): EngineRequest => ({
    kind: 'load-model',
    requestId,
    sessionKey: 'shared',
    source: { kind: 'hf-url', baseUrl: '/m/', build: { seqLen: 4 } },
    device: 'wasm',
  });
  return { handler, second, page, other, load, builds: () => builds };
}

describe('engine handler with two connections', () => {
  it('interleaved requests with the same ids are answered on their own connection, from one shared session', async () => {
    const { handler, second, page, other, load, builds } = twoConnections();
    await Promise.all([
      handler.handle(load(1)),
      second.handle(load(1)),
      handler.handle(runRequest(2, 10)),
      second.handle(runRequest(2, 50)),
      handler.handle(runRequest(3, 20)),
    ]);
    // One graph build, one session: the second load found the first's.
    expect(builds()).toBe(1);
    expect(handler.sessionStats().keys).toEqual(['shared']);
    const loaded = (rs: EngineResponse[]) => rs.find((r) => r.kind === 'loaded');
    expect(loaded(page)).toMatchObject({ requestId: 1, cached: false });
    expect(loaded(other)).toMatchObject({ requestId: 1, cached: true });
    const results = (rs: EngineResponse[]) => rs.flatMap((r) => (r.kind === 'result' ? [[r.requestId, Array.from(r.nll)]] : []));
    expect(results(page)).toEqual([
      [2, expectedNll(10)],
      [3, expectedNll(20)],
    ]);
    expect(results(other)).toEqual([[2, expectedNll(50)]]);
    expect(page.every((r) => r.requestId === 1 || r.requestId === 2 || r.requestId === 3)).toBe(true);
    expect(other.every((r) => r.requestId === 1 || r.requestId === 2)).toBe(true);
  });

  it("a cancel reaches only its own connection's request of that id", async () => {
    const { handler, second, page, other, load } = twoConnections();
    const work = [handler.handle(load(1)), second.handle(load(1)), handler.handle(runRequest(2, 10)), second.handle(runRequest(2, 50))];
    await second.handle({ kind: 'cancel', requestId: 3, targetRequestId: 2 });
    await Promise.all(work);
    expect(page.filter((r) => r.requestId === 2).map((r) => r.kind)).toEqual(['progress', 'result']);
    expect(other.filter((r) => r.requestId === 2)).toEqual([
      { kind: 'error', requestId: 2, error: { name: 'AbortError', message: 'request 2 was cancelled' } },
    ]);
    // A cancel for an id the connection has not (or no longer) running does nothing to the other's next request.
    await second.handle({ kind: 'cancel', requestId: 4, targetRequestId: 5 });
    await handler.handle(runRequest(5, 30));
    expect(page.at(-1)).toMatchObject({ kind: 'result', requestId: 5 });
  });

  it('a dispose from one connection leaves a session the other still holds', async () => {
    const { handler, second, page, other, load } = twoConnections();
    await handler.handle(load(1));
    await second.handle(load(1));
    await second.handle({ kind: 'dispose', requestId: 2, sessionKey: 'shared' });
    expect(other.at(-1)).toEqual({ kind: 'disposed', requestId: 2 });
    await handler.handle(runRequest(2, 10));
    expect(page.at(-1)).toMatchObject({ kind: 'result', requestId: 2 });
    expect(handler.sessionStats().keys).toEqual(['shared']);
  });
});

describe('a second engine client over a MessageChannel', () => {
  const closers: Array<() => void> = [];
  afterEach(() => {
    while (closers.length) closers.pop()!();
  });

  it('runs on the page client’s session, its own ids, and its AbortSignal cancels only its own run', async () => {
    const worker = createInProcessWorker(runtime);
    const page = createEngineClient(() => worker);
    const channel = new MessageChannel();
    page.connect(channel.port1);
    const analysis = createEngineClient(() => messagePortWorker(channel.port2));
    closers.push(
      () => analysis.terminate(),
      () => page.terminate(),
      () => channel.port1.close(),
    );

    const source = { kind: 'graph', graphBytes: buildTinyEngineGraph() } as const;
    await page.loadModel('shared', source, 'wasm');
    const loaded = await analysis.loadModel('shared', { kind: 'graph', graphBytes: buildTinyEngineGraph() }, 'wasm');
    expect(loaded.cached).toBe(true);

    const input = (first: number) => {
      const r = runRequest(0, first);
      return { sessionKey: r.sessionKey, ids: r.ids, cos: r.cos, sin: r.sin, headDim: r.headDim };
    };
    const controller = new AbortController();
    const [a, b, c] = [page.run(input(10)), analysis.run(input(50), { signal: controller.signal }), page.run(input(20))];
    controller.abort();
    await expect(b).rejects.toMatchObject({ name: 'AbortError' });
    expect(Array.from((await a).nll)).toEqual(expectedNll(10));
    expect(Array.from((await c).nll)).toEqual(expectedNll(20));
    // The page's connection saw only its own requests (the second client's went over the port).
    expect(worker.sent.filter((m) => m.kind === 'run')).toHaveLength(2);
    expect(Array.from((await analysis.run(input(60))).nll)).toEqual(expectedNll(60));
  });
});
