import { describe, expect, it } from 'vitest';
import { createOrtNodeRuntime } from '../runtime/ort-node';
import { createEngineClient } from './client';
import { createInProcessWorker } from './testing/inProcessWorker';
import { buildTinyEngineGraph } from './testing/tinyGraph';

const runtime = createOrtNodeRuntime({ intraOpNumThreads: 1 });

function input(tokenCount: number, headDim = 2) {
  return {
    sessionKey: 'tiny',
    ids: Int32Array.from({ length: tokenCount }, (_, t) => t),
    cos: new Float32Array(tokenCount * headDim).fill(1),
    sin: new Float32Array(tokenCount * headDim).fill(2),
    headDim,
  };
}

describe('engine client over an in-process worker', () => {
  it('loads, runs with progress, transfers inputs, and resolves plain results', async () => {
    const worker = createInProcessWorker(runtime);
    const client = createEngineClient(() => worker);
    const loaded = await client.loadModel('tiny', { kind: 'graph', graphBytes: buildTinyEngineGraph() }, 'wasm');
    expect(loaded).toMatchObject({ sessionKey: 'tiny', cached: false, inputNames: ['input_ids', 'cos', 'sin'] });
    const stages: string[] = [];
    const request = input(3);
    const result = await client.run(request, { onProgress: (e) => stages.push(e.stage) });
    // nll[t] = ids[t+1] + headDim·1
    expect(Array.from(result.nll)).toEqual([3, 4]);
    expect(stages).toEqual(['run']);
    expect(request.ids.byteLength).toBe(0); // transferred, not copied
    client.terminate();
  });

  it('gives every request its own id and matches concurrent answers to callers', async () => {
    const worker = createInProcessWorker(runtime);
    const client = createEngineClient(() => worker);
    await client.loadModel('tiny', { kind: 'graph', graphBytes: buildTinyEngineGraph() }, 'wasm');
    const results = await Promise.all([2, 3, 4, 5].map((n) => client.run(input(n))));
    expect(results.map((r) => r.nll.length)).toEqual([1, 2, 3, 4]);
    const ids = worker.sent.map((m) => m.requestId);
    expect(new Set(ids).size).toBe(ids.length);
    client.terminate();
  });

  it('turns an AbortSignal into a cancel message and rejects with AbortError', async () => {
    const worker = createInProcessWorker(runtime);
    const client = createEngineClient(() => worker);
    const loading = client.loadModel('tiny', { kind: 'graph', graphBytes: buildTinyEngineGraph() }, 'wasm');
    const controller = new AbortController();
    const running = client.run(input(4), { signal: controller.signal });
    controller.abort();
    await loading;
    await expect(running).rejects.toMatchObject({ name: 'AbortError' });
    expect(worker.sent.some((m) => m.kind === 'cancel')).toBe(true);
    const already = new AbortController();
    already.abort();
    await expect(client.run(input(2), { signal: already.signal })).rejects.toMatchObject({ name: 'AbortError' });
    client.terminate();
  });

  it('re-creates worker errors with their message, and rejects pending work on terminate', async () => {
    const worker = createInProcessWorker(runtime);
    const client = createEngineClient(() => worker);
    await expect(client.run(input(2))).rejects.toThrow("no session 'tiny' is loaded (loaded: [])");
    await client.dispose();
    const pending = client.loadModel('tiny', { kind: 'graph', graphBytes: buildTinyEngineGraph() }, 'wasm');
    client.terminate();
    await expect(pending).rejects.toMatchObject({ name: 'AbortError' });
    await expect(client.run(input(2))).rejects.toThrow('terminated');
  });
});
