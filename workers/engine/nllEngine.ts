/**
 * lib/eval's NllEngine over the engine worker, so perplexity, diagnostics and search code runs
 * unchanged in the browser — the browser implementation of the engine port
 * (`open(build, seqLen) → NllEngine`; the Node one is cli/engine/nodePort over the single
 * onnxruntime-node owner). Inputs are copied before they are transferred: eval code reuses its
 * cos/sin tables across windows, and a transfer would detach them.
 */
import type { NllEngine, NllEngineInput, NllEngineOutput } from '../../lib/eval/engine';
import type { DeviceReport, DeviceRequest } from '../runtime/types';
import type { EngineClient, RequestOptions } from './client';
import { engineSessionKey } from '../../lib/scenario/key';
import type { GraphBuildRequest, ModelSource } from './protocol';

export interface WorkerNllEngineOptions {
  sessionKey: string;
  /** T the graph was built for. */
  seqLen: number;
  headDim: number;
  device: DeviceRequest;
  /** Read back taps (graph outputs other than nll; a `logits` output comes back as `logits`) on every run. */
  wantTaps?: boolean;
  requestOptions?: RequestOptions;
  /** Called with the device the worker actually used, after any fallback. */
  onDevice?: (device: DeviceReport) => void;
  /** true: dispose() leaves the worker's session cached (its LRU releases it), so a later open of the same graph finds it. */
  keepOnDispose?: boolean;
}

/** Loads `source` in the worker (cached by sessionKey) and returns an NllEngine over it. */
export async function loadWorkerNllEngine(client: EngineClient, source: ModelSource, options: WorkerNllEngineOptions): Promise<NllEngine> {
  const { sessionKey, seqLen, headDim, wantTaps = false } = options;
  const loaded = await client.loadModel(sessionKey, source, options.device, options.requestOptions);
  options.onDevice?.(loaded.device);
  return {
    device: `ort-web:${loaded.device.used}`,
    seqLen,
    async run(input: NllEngineInput): Promise<NllEngineOutput> {
      if (input.ids.length !== seqLen) throw new Error(`ids has ${input.ids.length} tokens, this engine's graph is fixed to T = ${seqLen}`);
      const ids = input.ids instanceof BigInt64Array ? Int32Array.from(input.ids, (v) => Number(v)) : input.ids.slice();
      const result = await client.run({ sessionKey, ids, cos: input.cos.slice(), sin: input.sin.slice(), headDim, wantTaps }, options.requestOptions);
      if (!result.taps) return { nll: result.nll };
      const taps: Record<string, Float32Array> = {};
      let logits: Float32Array | undefined;
      for (const [name, tap] of Object.entries(result.taps)) {
        if (name === 'logits') logits = tap.data;
        else taps[name] = tap.data;
      }
      return { nll: result.nll, taps, ...(logits ? { logits } : {}) };
    },
    async dispose() {
      if (!options.keepOnDispose) await client.dispose(sessionKey);
    },
  };
}

export interface EnginePortOpenOptions {
  device: DeviceRequest;
  signal?: AbortSignal;
  onProgress?: RequestOptions['onProgress'];
  onDevice?: (device: DeviceReport) => void;
  /** Leave the session in the worker's cache on dispose (the diagnostics: a settings round trip reuses it). */
  keepOnDispose?: boolean;
  /**
   * Fetch the graph's taps and logits on every run (default: nll only — a perplexity curve may run
   * a graph it shares with the diagnostics without moving their tap outputs across).
   */
  wantTaps?: boolean;
}

/** The browser engine port of one model: every graph is a GraphBuildRequest the worker builds. */
export interface EnginePort {
  /** An engine for `build` (T = build.seqLen), one cached worker session per distinct (device, build): lib/scenario/key engineSessionKey. */
  open(build: GraphBuildRequest, options: EnginePortOpenOptions): Promise<NllEngine>;
}

export interface EnginePortModel {
  /** Stable model key (ModelInfo.id): the session keys start with it. */
  modelId: string;
  headDim: number;
  /** Where the worker reads the model for a build (served folder or the user's files). */
  sourceOf(build: GraphBuildRequest): ModelSource;
}

export function createEnginePort(client: EngineClient, model: EnginePortModel): EnginePort {
  return {
    open(build, o) {
      const requestOptions: RequestOptions = { ...(o.signal ? { signal: o.signal } : {}), ...(o.onProgress ? { onProgress: o.onProgress } : {}) };
      return loadWorkerNllEngine(client, model.sourceOf(build), {
        sessionKey: engineSessionKey(model.modelId, o.device, build),
        seqLen: build.seqLen,
        headDim: model.headDim,
        device: o.device,
        wantTaps: o.wantTaps === true,
        requestOptions,
        ...(o.onDevice ? { onDevice: o.onDevice } : {}),
        ...(o.keepOnDispose ? { keepOnDispose: true } : {}),
      });
    },
  };
}
