/**
 * Node stand-in for workers/runtime/ort.ts over onnxruntime-node (native CPU EP). Used by the
 * engine handler's unit tests, the benchmark and any Node caller; never bundled for the browser.
 */
import * as ort from 'onnxruntime-node';
import type { DeviceReport, DeviceRequest, EngineRuntime, FeedTensor, FetchedTensor, RuntimeSession } from './types';

export interface OrtNodeOptions {
  /** Intra-op threads; 0 lets ORT pick. */
  intraOpNumThreads?: number;
}

function toOrtTensor(feed: FeedTensor): ort.Tensor {
  return feed.type === 'int64'
    ? new ort.Tensor('int64', feed.data, feed.dims)
    : new ort.Tensor('float32', feed.data, feed.dims);
}

/** Every request runs on the CPU EP; the report says so instead of pretending to be the browser. */
export function createOrtNodeRuntime(options: OrtNodeOptions = {}): EngineRuntime {
  const threads = options.intraOpNumThreads ?? 0;
  return {
    async createSession(modelBytes: Uint8Array, requested: DeviceRequest): Promise<RuntimeSession> {
      const session = await ort.InferenceSession.create(modelBytes, {
        executionProviders: ['cpu'],
        graphOptimizationLevel: 'all',
        intraOpNumThreads: threads,
      });
      const device: DeviceReport = {
        requested,
        used: 'cpu',
        threads,
        ...(requested !== 'auto' ? { fallbackReason: `onnxruntime-node runs '${requested}' on its CPU EP` } : {}),
      };
      return {
        inputNames: session.inputNames,
        outputNames: session.outputNames,
        device,
        async run(feeds: Record<string, FeedTensor>, outputNames?: readonly string[]) {
          const ortFeeds: Record<string, ort.Tensor> = {};
          for (const [name, feed] of Object.entries(feeds)) ortFeeds[name] = toOrtTensor(feed);
          const wanted = outputNames ?? session.outputNames;
          const results = await session.run(ortFeeds, wanted);
          const out: Record<string, FetchedTensor> = {};
          for (const name of wanted) {
            const tensor = results[name];
            if (!tensor) throw new Error(`output '${name}' missing from run results`);
            if (tensor.type !== 'float32') throw new Error(`output '${name}' is ${tensor.type}, expected float32`);
            out[name] = { data: new Float32Array(tensor.data as Float32Array), dims: [...tensor.dims] };
          }
          return out;
        },
        async release() {
          await session.release();
        },
      };
    },
  };
}
