// The worker's sessions share one LRU by bytes: through the real client + in-process worker +
// handler + onnxruntime-node, on the built-in model's served folder. The runtime is wrapped to
// count the bytes of the sessions alive, so the test sees what the worker really holds.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { graphRopeInputs } from '../../lib/eval/ropeInputs';
import { builtinSpec } from '../../cli/engine/testing/builtin';
import { createOrtNodeRuntime } from '../runtime/ort-node';
import type { EngineRuntime } from '../runtime/types';
import { createUrlGraphBuilder } from './buildGraph';
import { createEngineClient } from './client';
import type { GraphBuildRequest } from './protocol';
import { engineSessionKey } from '../../lib/scenario/key';
import { rtnBuild } from '../../lib/testing/specBuilds';
import { createInProcessWorker } from './testing/inProcessWorker';
import { diskFetch } from './testing/diskFetch';

const ROOT = join(import.meta.dirname, '..', '..');
const MODEL_URL = '/models/bandscope-byte-4m/';
const T = 64;
const ids = Int32Array.from(readFileSync(join(ROOT, 'training', 'fixture', 'tokens_0.bin')).subarray(0, T));

function countingRuntime() {
  const inner = createOrtNodeRuntime({ intraOpNumThreads: 1 });
  const state = { liveBytes: 0, peakLiveBytes: 0, created: 0, released: 0 };
  const runtime: EngineRuntime = {
    async createSession(bytes, device) {
      const session = await inner.createSession(bytes, device);
      state.created++;
      state.liveBytes += bytes.length;
      state.peakLiveBytes = Math.max(state.peakLiveBytes, state.liveBytes);
      return {
        ...session,
        inputNames: session.inputNames,
        outputNames: session.outputNames,
        device: session.device,
        run: (feeds, names) => session.run(feeds, names),
        async release() {
          state.released++;
          state.liveBytes -= bytes.length;
          await session.release();
        },
      };
    },
  };
  return { runtime, state };
}

describe('engine worker session budget (LRU by bytes)', () => {
  it('keeps the sessions within the budget, rebuilds an evicted one transparently, releases on dispose', async () => {
    const spec = builtinSpec();
    const { runtime, state } = countingRuntime();
    const client = createEngineClient(() => createInProcessWorker(runtime, createUrlGraphBuilder(diskFetch(join(ROOT, 'public'), { bytes: 0 }))));
    const builds: GraphBuildRequest[] = [{ seqLen: T }, { seqLen: T, quant: rtnBuild('rtn:w4g32a') }, { seqLen: T, quant: rtnBuild('rtn:w8g32a') }];
    const key = (b: GraphBuildRequest) => engineSessionKey('builtin', 'wasm', b);
    const { cos, sin } = graphRopeInputs(spec.rope, T);
    // wantTaps: a run the worker's run memo (runMemo.ts) cannot answer, so the session must exist.
    const nllOf = async (b: GraphBuildRequest, wantTaps = false) =>
      (await client.run({ sessionKey: key(b), ids: ids.slice(), cos: cos.slice(), sin: sin.slice(), headDim: spec.headDim, wantTaps })).nll;

    // One session's ONNX bytes (the built-in model in float32, ~19 MB) sets a budget of two.
    const first = await client.loadModel(key(builds[0]), { kind: 'hf-url', baseUrl: MODEL_URL, build: builds[0] }, 'wasm');
    const oneSession = state.liveBytes;
    const budget = Math.floor(2.5 * oneSession);
    expect(first.evicted).toEqual([]);
    const before = await nllOf(builds[0]);

    const evicted: string[][] = [];
    for (const b of builds.slice(1)) {
      const loaded = await client.loadModel(key(b), { kind: 'hf-url', baseUrl: MODEL_URL, build: b }, 'wasm', { sessionBudgetBytes: budget });
      evicted.push(loaded.evicted);
      expect(state.liveBytes).toBeLessThanOrEqual(budget);
    }
    expect(evicted).toEqual([[], [key(builds[0])]]);
    expect(state.peakLiveBytes).toBeLessThanOrEqual(budget + oneSession); // the new session exists just before the old one goes

    // The evicted float32 session is asked for again: rebuilt (same NLL), and the LRU makes room for it.
    const createdBefore = state.created;
    const after = await nllOf(builds[0], true);
    expect(state.created).toBe(createdBefore + 1);
    expect(Array.from(after)).toEqual(Array.from(before));
    expect(state.liveBytes).toBeLessThanOrEqual(budget);

    // Disposing releases; a session nobody holds any more is gone for good.
    await client.dispose(key(builds[0]));
    await expect(nllOf(builds[0])).rejects.toThrow(/no session .* is loaded/);
    await client.dispose();
    expect(state.liveBytes).toBe(0);
    expect(state.released).toBe(state.created);
    client.terminate();
  }, 120_000);

  it('a session loaded by two clients stays until both dispose it', async () => {
    const { runtime, state } = countingRuntime();
    const client = createEngineClient(() => createInProcessWorker(runtime, createUrlGraphBuilder(diskFetch(join(ROOT, 'public'), { bytes: 0 }))));
    const build: GraphBuildRequest = { seqLen: 16 };
    const source = { kind: 'hf-url' as const, baseUrl: MODEL_URL, build };
    await client.loadModel('k', source, 'wasm');
    expect((await client.loadModel('k', source, 'wasm')).cached).toBe(true);
    await client.dispose('k');
    expect(state.liveBytes).toBeGreaterThan(0);
    await client.dispose('k');
    expect(state.liveBytes).toBe(0);
    client.terminate();
  }, 60_000);
});
