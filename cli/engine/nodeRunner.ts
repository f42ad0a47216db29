import { idsToInt64, type EngineGraph, type NllEngine, type NllEngineInput, type NllEngineOutput } from '../../lib/eval/engine';
import { availableParallelism } from 'node:os';
import type { EngineDeviceFacts } from '../../lib/model/enginePlan';
import type { FedDecoderLayerWeights } from '../../lib/onnx/weights';
import { createLayeredSession, type LayeredSessionOptions, type LayeredWeightSource } from '../../workers/engine/layeredSession';
import type { LayerWeightCache } from '../../workers/engine/layerWeightCache';
import { createNodeSession, resolveNodeDevice, type NodeDevice } from '../../workers/runtime/ort-node';
import type { DeviceReport, EngineRuntime, RuntimeSession } from '../../workers/runtime/types';

/** Device and threads of every engine this process creates (the CLI's --device / --threads). */
export interface NodeEngineSettings {
  device: NodeDevice;
  /** Intra-op threads; undefined = all cores. */
  threads?: number;
}

/** What the engines of this process run on, after --device auto's fallback. */
export interface NodeEngineReport {
  device: string;
  requested: NodeDevice;
  threads: number;
  /** Why 'auto' ran on the CPU. */
  note?: string;
  /** WebGPU runs float16 (the probe placed a float16 Cast on it): full-precision layers may be held as float16. */
  shaderF16: boolean;
}

let defaults: { device: 'cpu' | 'webgpu'; threads?: number } = { device: 'cpu' };
let report: NodeEngineReport = { device: 'ort-node:cpu', requested: 'cpu', threads: availableParallelism(), shaderF16: false };

/**
 * Resolves --device once, before any tensor is read (a one-node probe session: 'webgpu' without an
 * adapter throws the user-facing DeviceUnavailableError, 'auto' falls back to the CPU and says so),
 * and sets the device and threads of every later createNodeEngine call. Returns what will run.
 */
export async function configureNodeEngines(settings: NodeEngineSettings): Promise<NodeEngineReport> {
  const resolved = await resolveNodeDevice(settings.device);
  defaults = { device: resolved.used, ...(settings.threads !== undefined ? { threads: settings.threads } : {}) };
  report = {
    device: `ort-node:${resolved.used}`,
    requested: settings.device,
    threads: settings.threads ?? availableParallelism(),
    ...(resolved.fallbackReason !== undefined ? { note: resolved.fallbackReason } : {}),
    shaderF16: resolved.shaderF16,
  };
  return report;
}

/** The engine device facts of this process (lib/model/enginePlan): what planEngine's float16 choice reads. */
export function nodeEngineDeviceFacts(): EngineDeviceFacts {
  return { ep: defaults.device, shaderF16: defaults.device === 'webgpu' && report.shaderF16 };
}

/** The device report of the engines configured last (default: CPU, all cores). */
export function nodeEngineReport(): NodeEngineReport {
  return report;
}

/**
 * NllEngine over onnxruntime-node (the session comes from workers/runtime/ort-node.ts, the one
 * owner). One session per graph; `run` feeds input_ids [1, T], cos/sin [T, headDim] and returns the
 * graph's outputs as Float32Arrays (nll always; logits and taps when the graph has them).
 * `device` reads 'ort-node:cpu' or 'ort-node:webgpu'; `deviceNote` says why 'auto' fell back.
 */
export async function createNodeEngine(
  graph: EngineGraph,
  opts: { intraOpThreads?: number; device?: NodeDevice } = {},
): Promise<NllEngine & { threads: number; deviceNote?: string }> {
  // The configured device is already resolved (never 'auto' here unless a caller passes it).
  const session = await createNodeSession(graph.modelBytes, { device: opts.device ?? defaults.device, threads: opts.intraOpThreads ?? defaults.threads });
  const seqLen = graph.seqLen;
  return {
    device: `ort-node:${session.used}`,
    threads: session.threads,
    ...(session.fallbackReason !== undefined ? { deviceNote: session.fallbackReason } : {}),
    seqLen,
    async run(input: NllEngineInput): Promise<NllEngineOutput> {
      if (input.ids.length !== seqLen) throw new Error(`ids has ${input.ids.length} tokens, the graph was built for ${seqLen}`);
      if (input.cos.length !== input.sin.length || input.cos.length % seqLen !== 0) {
        throw new Error(`cos/sin have ${input.cos.length}/${input.sin.length} values, expected [${seqLen}, headDim]`);
      }
      const headDim = input.cos.length / seqLen;
      const result = await session.run({
        input_ids: { type: 'int64', data: idsToInt64(input.ids), dims: [1, seqLen] },
        cos: { type: 'float32', data: input.cos, dims: [seqLen, headDim] },
        sin: { type: 'float32', data: input.sin, dims: [seqLen, headDim] },
      });
      const out: NllEngineOutput = { nll: result.nll.data };
      for (const name of graph.outputNames) {
        if (name === 'nll') continue;
        const data = result[name].data;
        if (name === 'logits') out.logits = data;
        else (out.taps ??= {})[name] = data;
      }
      return out;
    },
    dispose: () => session.release(),
  };
}

/**
 * The EngineRuntime of this process's configured device and threads (configureNodeEngines), over
 * workers/runtime/ort-node.ts: what the layer-streamed engine creates its sessions with.
 */
export function nodeEngineRuntime(): EngineRuntime {
  return {
    async createSession(modelBytes) {
      const session = await createNodeSession(modelBytes, { device: defaults.device, threads: defaults.threads });
      const device: DeviceReport = {
        requested: 'auto',
        used: session.used,
        threads: session.threads,
        ...(session.fallbackReason !== undefined ? { fallbackReason: session.fallbackReason } : {}),
      };
      return {
        inputNames: session.inputNames,
        outputNames: session.outputNames,
        device,
        run: (feeds, names) => session.run(feeds, names),
        release: () => session.release(),
      };
    },
  };
}

/** NllEngine over any RuntimeSession with the whole graph's inputs and outputs (e.g. a layered session). */
export function nllEngineOfSession(session: RuntimeSession, seqLen: number, outputNames: readonly string[]): NllEngine {
  return {
    device: `ort-node:${session.device.used}`,
    seqLen,
    async run(input: NllEngineInput): Promise<NllEngineOutput> {
      if (input.ids.length !== seqLen) throw new Error(`ids has ${input.ids.length} tokens, the engine was built for ${seqLen}`);
      if (input.cos.length !== input.sin.length || input.cos.length % seqLen !== 0) {
        throw new Error(`cos/sin have ${input.cos.length}/${input.sin.length} values, expected [${seqLen}, headDim]`);
      }
      const headDim = input.cos.length / seqLen;
      const result = await session.run({
        input_ids: { type: 'int64', data: idsToInt64(input.ids), dims: [1, seqLen] },
        cos: { type: 'float32', data: input.cos, dims: [seqLen, headDim] },
        sin: { type: 'float32', data: input.sin, dims: [seqLen, headDim] },
      });
      const out: NllEngineOutput = { nll: result.nll.data };
      for (const name of outputNames) {
        if (name === 'nll') continue;
        if (name === 'logits') out.logits = result[name].data;
        else (out.taps ??= {})[name] = result[name].data;
      }
      return out;
    },
    dispose: () => session.release(),
  };
}

/** A layer-streamed NllEngine (workers/engine/layeredSession.ts) on this process's configured device. */
export async function createLayeredNodeEngine(
  source: LayeredWeightSource,
  options: LayeredSessionOptions,
  cache: LayerWeightCache<FedDecoderLayerWeights>,
): Promise<NllEngine> {
  const session = await createLayeredSession(nodeEngineRuntime(), 'auto', source, options, cache);
  return nllEngineOfSession(session, options.seqLen, session.outputNames);
}
