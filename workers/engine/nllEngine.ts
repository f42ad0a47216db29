/**
 * lib/eval's NllEngine over the engine worker, so perplexity code runs unchanged in the browser.
 * Inputs are copied before they are transferred: eval code reuses its cos/sin tables across
 * windows, and a transfer would detach them.
 */
import type { EngineGraph, NllEngine, NllEngineFactory, NllEngineInput, NllEngineOutput } from '../../lib/eval/engine';
import type { DeviceRequest } from '../runtime/types';
import type { EngineClient, RequestOptions } from './client';
import type { ModelSource } from './protocol';

export interface WorkerNllEngineOptions {
  sessionKey: string;
  /** T the graph was built for. */
  seqLen: number;
  headDim: number;
  device: DeviceRequest;
  /** Read back taps (graph outputs other than nll) on every run. */
  wantTaps?: boolean;
  requestOptions?: RequestOptions;
}

/** Loads `source` in the worker (cached by sessionKey) and returns an NllEngine over it. */
export async function loadWorkerNllEngine(client: EngineClient, source: ModelSource, options: WorkerNllEngineOptions): Promise<NllEngine> {
  const { sessionKey, seqLen, headDim, wantTaps = false } = options;
  const loaded = await client.loadModel(sessionKey, source, options.device, options.requestOptions);
  return {
    device: `ort-web:${loaded.device.used}`,
    seqLen,
    async run(input: NllEngineInput): Promise<NllEngineOutput> {
      if (input.ids.length !== seqLen) throw new Error(`ids has ${input.ids.length} tokens, this engine's graph is fixed to T = ${seqLen}`);
      const ids = input.ids instanceof BigInt64Array ? Int32Array.from(input.ids, (v) => Number(v)) : input.ids.slice();
      const result = await client.run({ sessionKey, ids, cos: input.cos.slice(), sin: input.sin.slice(), headDim, wantTaps }, options.requestOptions);
      if (!result.taps) return { nll: result.nll };
      return { nll: result.nll, taps: Object.fromEntries(Object.entries(result.taps).map(([name, tap]) => [name, tap.data])) };
    },
    async dispose() {
      await client.dispose(sessionKey);
    },
  };
}

/**
 * NllEngineFactory for callers that already hold graph bytes (lib/eval's shape). The bytes are
 * copied and transferred; prefer loadWorkerNllEngine with an 'hf-url' source so the worker builds.
 */
export function workerNllEngineFactory(client: EngineClient, device: DeviceRequest, headDim: number, keyPrefix = 'graph'): NllEngineFactory {
  let counter = 0;
  return async (graph: EngineGraph) =>
    loadWorkerNllEngine(
      client,
      { kind: 'graph', graphBytes: graph.modelBytes.slice() },
      {
        sessionKey: `${keyPrefix}#${++counter}|T${graph.seqLen}`,
        seqLen: graph.seqLen,
        headDim,
        device,
        wantTaps: graph.outputNames.some((name) => name !== 'nll' && name !== 'logits'),
      },
    );
}
