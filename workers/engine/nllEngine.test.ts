import { describe, expect, it } from 'vitest';
import { createOrtNodeRuntime } from '../runtime/ort-node';
import { createEngineClient } from './client';
import { loadWorkerNllEngine } from './nllEngine';
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
});

describe('the browser engine port (createEnginePort)', () => {
  it('one session per distinct build, nll-only unless taps are asked for, logits split from taps, a kept hold outlives a released one', async () => {
    const { join } = await import('node:path');
    const { readFileSync } = await import('node:fs');
    const { createEnginePort } = await import('./nllEngine');
    const { engineSessionKey } = await import('../../lib/scenario/key');
    const { createUrlGraphBuilder } = await import('./buildGraph');
    const { diskFetch } = await import('./testing/diskFetch');
    const { graphRopeInputs } = await import('../../lib/eval/ropeInputs');
    const { builtinSpec } = await import('../../cli/engine/testing/builtin');
    const root = join(import.meta.dirname, '..', '..');
    const spec = builtinSpec();
    const T = 32;
    const ids = Int32Array.from(readFileSync(join(root, 'training', 'fixture', 'tokens_0.bin')).subarray(0, T));
    const { cos, sin } = graphRopeInputs(spec.rope, T);
    const client = createEngineClient(() =>
      createInProcessWorker(createOrtNodeRuntime({ intraOpNumThreads: 1 }), createUrlGraphBuilder(diskFetch(join(root, 'public')))),
    );
    const port = createEnginePort(client, {
      modelId: 'builtin',
      headDim: spec.headDim,
      sourceOf: (build) => ({ kind: 'hf-url', baseUrl: '/models/bandscope-byte-4m/', build }),
    });
    const tapped = { seqLen: T, quant: null, tapLayers: [0, 1], logits: true };
    const key = engineSessionKey('builtin', 'wasm', tapped);
    expect(JSON.parse(key)).toMatchObject({ engine: 'builtin', device: 'wasm', build: { seqLen: 32, quant: null, tapLayers: [0, 1], logits: true } });

    const diag = await port.open(tapped, { device: 'wasm', wantTaps: true, keepOnDispose: true });
    const full = await diag.run({ ids, cos, sin });
    expect(full.logits?.length).toBe(T * spec.vocabSize);
    expect(Object.keys(full.taps ?? {}).sort()).toEqual(['k_post_0', 'k_post_1', 'k_pre_0', 'k_pre_1', 'q_post_0', 'q_post_1', 'q_pre_0', 'q_pre_1']);
    await diag.dispose(); // kept in the worker

    let loads = 0;
    const ppl = await port.open(tapped, { device: 'wasm', onProgress: (p) => (loads += p.stage === 'create-session' || p.stage === 'build-graph' ? 1 : 0) });
    const nllOnly = await ppl.run({ ids, cos, sin });
    expect(loads).toBe(0); // the same graph: the cached session, nothing built
    expect(nllOnly.taps).toBeUndefined();
    expect(Array.from(nllOnly.nll)).toEqual(Array.from(full.nll));
    // The perplexity side releases its hold; the diagnostics' kept hold keeps the shared session alive.
    await ppl.dispose();
    const again = await client.run({
      sessionKey: key,
      ids: ids.slice(),
      cos: cos.slice(),
      sin: sin.slice(),
      headDim: spec.headDim,
    });
    expect(Array.from(again.nll)).toEqual(Array.from(full.nll));
    await client.dispose(key);
    await expect(client.run({ sessionKey: key, ids: ids.slice(), cos: cos.slice(), sin: sin.slice(), headDim: spec.headDim })).rejects.toThrow(/no session/);
    client.terminate();
  }, 60_000);
});
