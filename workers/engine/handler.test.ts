import { describe, expect, it } from 'vitest';
import { createOrtNodeRuntime } from '../runtime/ort-node';
import type { EngineRuntime, FeedTensor } from '../runtime/types';
import { createEngineHandler } from './handler';
import type { EngineRequest, EngineResponse } from './protocol';
import { buildTinyEngineGraph } from './testing/tinyGraph';
import { rtnBuild } from '../../lib/testing/specBuilds';

function harness(runtime: EngineRuntime = createOrtNodeRuntime({ intraOpNumThreads: 1 })) {
  const responses: EngineResponse[] = [];
  const transfers: ArrayBuffer[][] = [];
  let graphBuilds = 0;
  const handler = createEngineHandler({
    runtime,
    async buildGraphFromUrl(baseUrl, build, ctx) {
      graphBuilds++;
      ctx.onProgress('build-graph', 0.5, `${baseUrl} ${build.quant ? `w${build.quant.bits}` : 'fp32'}`);
      ctx.throwIfCancelled();
      return buildTinyEngineGraph();
    },
    post(response, transfer) {
      responses.push(response);
      transfers.push(transfer);
    },
  });
  return { handler, responses, transfers, builds: () => graphBuilds };
}

/** ids [T] and cos/sin [T, D] with known values; expected nll[t] = ids[t+1] + Σ_j cos[t+1, j]. */
function runRequest(requestId: number, sessionKey: string, tokenCount = 4, headDim = 2, wantTaps = false): Extract<EngineRequest, { kind: 'run' }> {
  const ids = Int32Array.from({ length: tokenCount }, (_, t) => 10 * (t + 1));
  const cos = Float32Array.from({ length: tokenCount * headDim }, (_, i) => i * 0.5);
  const sin = Float32Array.from({ length: tokenCount * headDim }, (_, i) => i - 1);
  return { kind: 'run', requestId, sessionKey, ids, cos, sin, headDim, wantTaps };
}

const loadGraph = (requestId: number, sessionKey: string): EngineRequest => ({
  kind: 'load-model',
  requestId,
  sessionKey,
  source: { kind: 'graph', graphBytes: buildTinyEngineGraph() },
  device: 'wasm',
});

/** onnxruntime-node with `hook` awaited before every session run (to count runs or hold one back). */
function beforeEachRun(hook: (feeds: Record<string, FeedTensor>, wanted: readonly string[] | undefined) => Promise<void>): EngineRuntime {
  const inner = createOrtNodeRuntime({ intraOpNumThreads: 1 });
  return {
    async createSession(bytes, device) {
      const session = await inner.createSession(bytes, device);
      return {
        device: session.device,
        inputNames: session.inputNames,
        outputNames: session.outputNames,
        async run(feeds, wanted) {
          await hook(feeds, wanted);
          return session.run(feeds, wanted);
        },
        release: () => session.release(),
      };
    },
  };
}

describe('engine handler (onnxruntime-node standing in)', () => {
  it('loads a graph and returns the per-token NLL computed by hand', async () => {
    const { handler, responses, transfers } = harness();
    await handler.handle(loadGraph(1, 'tiny'));
    const loaded = responses.find((r) => r.kind === 'loaded');
    expect(loaded).toMatchObject({ requestId: 1, sessionKey: 'tiny', cached: false, device: { requested: 'wasm', used: 'cpu' } });
    await handler.handle(runRequest(2, 'tiny'));
    const result = responses.at(-1);
    if (result?.kind !== 'result') throw new Error(`expected result, got ${JSON.stringify(result)}`);
    // ids 10,20,30,40; cos rows [0,.5],[1,1.5],[2,2.5],[3,3.5] → 20+2.5, 30+4.5, 40+6.5
    expect(Array.from(result.nll)).toEqual([22.5, 34.5, 46.5]);
    expect(result.taps).toBeUndefined();
    expect(transfers.at(-1)).toEqual([result.nll.buffer]);
  });

  it('returns taps (every output besides nll) only when asked, and transfers them', async () => {
    const { handler, responses, transfers } = harness();
    await handler.handle(loadGraph(1, 'tiny'));
    await handler.handle(runRequest(2, 'tiny', 3, 2, true));
    const result = responses.at(-1);
    if (result?.kind !== 'result') throw new Error('expected result');
    expect(result.taps?.tap_sin_sq.dims).toEqual([3, 2]);
    expect(Array.from(result.taps?.tap_sin_sq.data ?? [])).toEqual([1, 0, 1, 4, 9, 16]);
    expect(transfers.at(-1)).toHaveLength(2);
  });

  it('answers an NLL-only run of a window the session already ran (taps or not) from memory, and runs again when taps are wanted or inputs differ', async () => {
    const runs: string[] = [];
    const counting = beforeEachRun(async (_feeds, wanted) => {
      runs.push((wanted ?? []).join(','));
    });
    const { handler, responses } = harness(counting);
    await handler.handle(loadGraph(1, 'tiny'));
    await handler.handle(runRequest(2, 'tiny', 4, 2, true));
    await handler.handle(runRequest(3, 'tiny', 4, 2, false));
    const reused = responses.at(-1);
    if (reused?.kind !== 'result') throw new Error('expected result');
    expect(Array.from(reused.nll)).toEqual([22.5, 34.5, 46.5]);
    expect(reused).toMatchObject({ reused: true, elapsedMs: 0, device: { used: 'cpu' } });
    expect(runs).toHaveLength(1);
    await handler.handle(runRequest(4, 'tiny', 4, 2, true));
    expect(runs).toHaveLength(2);
    const other = runRequest(5, 'tiny', 4, 2, false);
    other.cos[3] += 1;
    await handler.handle(other);
    expect(runs).toHaveLength(3);
    const rerun = responses.at(-1);
    if (rerun?.kind !== 'result') throw new Error('expected result');
    expect(rerun.reused).toBeUndefined();
    expect(Array.from(rerun.nll)).toEqual([23.5, 34.5, 46.5]); // cos[3] is row 1, which feeds nll[0]
    // A fresh run (benchmarks) runs even a remembered window.
    await handler.handle({ ...runRequest(6, 'tiny', 4, 2, false), fresh: true });
    expect(runs).toHaveLength(4);
    expect(responses.at(-1)).toMatchObject({ kind: 'result', nll: Float32Array.of(22.5, 34.5, 46.5) });
  });

  it('answers a cached load and a remembered window at once, while a run of another session still holds the queue', async () => {
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => (release = resolve));
    const slow = beforeEachRun(async (feeds) => {
      if (feeds.input_ids.dims[1] === 3) await gate; // the 3-token window (session 'slow') waits
    });
    const { handler, responses } = harness(slow);
    await handler.handle(loadGraph(1, 'fast'));
    await handler.handle(runRequest(2, 'fast'));
    await handler.handle(loadGraph(3, 'slow'));
    const blocked = handler.handle(runRequest(4, 'slow', 3));
    await handler.handle(loadGraph(5, 'fast'));
    await handler.handle(runRequest(6, 'fast'));
    // Both answered while request 4 still waits at the gate.
    expect(responses.find((r) => r.requestId === 5)).toMatchObject({ kind: 'loaded', cached: true });
    expect(responses.find((r) => r.requestId === 6 && r.kind === 'result')).toMatchObject({ reused: true });
    expect(responses.some((r) => r.requestId === 4 && r.kind === 'result')).toBe(false);
    // A window not run before waits its turn.
    const fresh = runRequest(7, 'fast');
    fresh.ids[0] = 11;
    const queued = handler.handle(fresh);
    await new Promise((r) => setTimeout(r, 20));
    expect(responses.some((r) => r.requestId === 7)).toBe(false);
    release();
    await Promise.all([blocked, queued]);
    expect(responses.find((r) => r.requestId === 4 && r.kind === 'result')).toBeDefined();
    expect(responses.find((r) => r.requestId === 7 && r.kind === 'result')).toMatchObject({ nll: expect.any(Float32Array) });
  });

  it('caches sessions by key and builds a url source once', async () => {
    const { handler, responses, builds } = harness();
    const load = (requestId: number): EngineRequest => ({
      kind: 'load-model',
      requestId,
      sessionKey: 'm|rtn:w4g32a|taps:',
      source: { kind: 'hf-url', baseUrl: '/models/x/', build: { seqLen: 4, quant: rtnBuild('rtn:w4g32a') } },
      device: 'auto',
    });
    await handler.handle(load(1));
    await handler.handle(load(2));
    expect(builds()).toBe(1);
    const loaded = responses.filter((r) => r.kind === 'loaded');
    expect(loaded.map((r) => r.kind === 'loaded' && r.cached)).toEqual([false, true]);
    expect(responses.find((r) => r.kind === 'progress' && r.stage === 'build-graph')).toMatchObject({
      requestId: 1,
      fraction: 0.5,
      message: '/models/x/ w4',
    });
  });

  it('runs requests one at a time in arrival order', async () => {
    let active = 0;
    let maxActive = 0;
    const inner = createOrtNodeRuntime({ intraOpNumThreads: 1 });
    const runtime: EngineRuntime = {
      async createSession(bytes, device) {
        const session = await inner.createSession(bytes, device);
        return {
          ...session,
          inputNames: session.inputNames,
          outputNames: session.outputNames,
          device: session.device,
          async run(feeds, names) {
            active++;
            maxActive = Math.max(maxActive, active);
            await new Promise((r) => setTimeout(r, 5));
            try {
              return await session.run(feeds, names);
            } finally {
              active--;
            }
          },
          release: () => session.release(),
        };
      },
    };
    const { handler, responses } = harness(runtime);
    const all = [handler.handle(loadGraph(1, 'tiny')), ...[2, 3, 4, 5].map((id) => handler.handle(runRequest(id, 'tiny')))];
    await Promise.all(all);
    expect(maxActive).toBe(1);
    expect(responses.filter((r) => r.kind === 'result').map((r) => r.requestId)).toEqual([2, 3, 4, 5]);
  });

  it('cancels a queued run before it starts, with an AbortError', async () => {
    const { handler, responses } = harness();
    const loading = handler.handle(loadGraph(1, 'tiny'));
    const running = handler.handle(runRequest(2, 'tiny'));
    await handler.handle({ kind: 'cancel', requestId: 3, targetRequestId: 2 });
    await Promise.all([loading, running]);
    expect(responses.filter((r) => r.requestId === 2)).toEqual([
      { kind: 'error', requestId: 2, error: { name: 'AbortError', message: 'request 2 was cancelled' } },
    ]);
  });

  it('cancels a url load between steps (after the graph build) and caches nothing', async () => {
    const { handler, responses } = harness();
    const load: EngineRequest = {
      kind: 'load-model',
      requestId: 1,
      sessionKey: 'k',
      source: { kind: 'hf-url', baseUrl: '/m/', build: { seqLen: 4 } },
      device: 'wasm',
    };
    const done = handler.handle(load);
    void handler.handle({ kind: 'cancel', requestId: 2, targetRequestId: 1 });
    await done;
    expect(responses.at(-1)).toMatchObject({ kind: 'error', requestId: 1, error: { name: 'AbortError' } });
    await handler.handle(runRequest(3, 'k'));
    expect(responses.at(-1)).toMatchObject({ kind: 'error', requestId: 3, error: { message: "no session 'k' is loaded (loaded: [])" } });
  });

  it('rejects mismatched shapes with the actual dims in the message', async () => {
    const { handler, responses } = harness();
    await handler.handle(loadGraph(1, 'tiny'));
    const bad = runRequest(2, 'tiny', 4, 2);
    await handler.handle({ ...bad, cos: new Float32Array(7) });
    expect(responses.at(-1)).toMatchObject({ kind: 'error', error: { message: 'cos/sin must be [T=4, headDim=2] = 8 floats, got cos 7, sin 8' } });
    await handler.handle({ ...runRequest(3, 'tiny', 1, 2) });
    expect(responses.at(-1)).toMatchObject({ kind: 'error', error: { message: 'run needs at least 2 tokens, got ids [1]' } });
  });

  it('refuses a model without the engine contract and reports ORT errors as {name, message}', async () => {
    const { handler, responses } = harness();
    await handler.handle({
      kind: 'load-model',
      requestId: 1,
      sessionKey: 'junk',
      source: { kind: 'graph', graphBytes: new Uint8Array([1, 2, 3]) },
      device: 'wasm',
    });
    const error = responses.at(-1);
    expect(error?.kind).toBe('error');
    if (error?.kind === 'error') {
      expect(typeof error.error.name).toBe('string');
      expect(error.error.message.length).toBeGreaterThan(0);
    }
  });

  it('disposes one session or all of them', async () => {
    const { handler, responses } = harness();
    await handler.handle(loadGraph(1, 'a'));
    await handler.handle(loadGraph(2, 'b'));
    await handler.handle({ kind: 'dispose', requestId: 3, sessionKey: 'a' });
    await handler.handle(runRequest(4, 'a'));
    expect(responses.at(-1)).toMatchObject({ kind: 'error', error: { message: "no session 'a' is loaded (loaded: [b])" } });
    await handler.handle({ kind: 'dispose', requestId: 5 });
    expect(responses.at(-1)).toEqual({ kind: 'disposed', requestId: 5 });
    await handler.handle(runRequest(6, 'b'));
    expect(responses.at(-1)).toMatchObject({ kind: 'error', error: { message: "no session 'b' is loaded (loaded: [])" } });
  });
});
