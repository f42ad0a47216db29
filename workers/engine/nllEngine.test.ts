import { describe, expect, it } from 'vitest';
import { createOrtNodeRuntime } from '../runtime/ort-node';
import { createEngineClient } from './client';
import { loadWorkerNllEngine, workerNllEngineFactory } from './nllEngine';
import { createInProcessWorker } from './testing/inProcessWorker';
import { buildTinyEngineGraph } from './testing/tinyGraph';

describe('NllEngine over the worker client', () => {
  it('runs windows without detaching the caller’s reusable tables', async () => {
    const client = createEngineClient(() => createInProcessWorker(createOrtNodeRuntime({ intraOpNumThreads: 1 })));
    const engine = await loadWorkerNllEngine(
      client,
      { kind: 'graph', graphBytes: buildTinyEngineGraph() },
      { sessionKey: 'tiny', seqLen: 3, headDim: 2, device: 'wasm', wantTaps: true },
    );
    expect(engine.device).toBe('ort-web:cpu');
    const cos = new Float32Array(6).fill(1);
    const sin = new Float32Array(6).fill(3);
    const first = await engine.run({ ids: new Int32Array([5, 6, 7]), cos, sin });
    const second = await engine.run({ ids: new BigInt64Array([1n, 2n, 3n]), cos, sin });
    expect(Array.from(first.nll)).toEqual([8, 9]);
    expect(Array.from(second.nll)).toEqual([4, 5]);
    expect(cos.length).toBe(6); // still attached
    expect(Array.from(first.taps?.tap_sin_sq ?? [])).toEqual([9, 9, 9, 9, 9, 9]);
    await expect(engine.run({ ids: new Int32Array(4), cos, sin })).rejects.toThrow('fixed to T = 3');
    await engine.dispose();
    await expect(engine.run({ ids: new Int32Array(3), cos, sin })).rejects.toThrow("no session 'tiny' is loaded");
    client.terminate();
  });

  it('implements lib/eval NllEngineFactory from graph bytes', async () => {
    const client = createEngineClient(() => createInProcessWorker(createOrtNodeRuntime({ intraOpNumThreads: 1 })));
    const factory = workerNllEngineFactory(client, 'auto', 2);
    const bytes = buildTinyEngineGraph();
    const engine = await factory({ modelBytes: bytes, seqLen: 2, outputNames: ['nll'] });
    expect(bytes.length).toBeGreaterThan(0); // caller keeps its bytes
    const out = await engine.run({ ids: new Int32Array([0, 1]), cos: new Float32Array(4), sin: new Float32Array(4) });
    expect(Array.from(out.nll)).toEqual([1]);
    client.terminate();
  });
});
