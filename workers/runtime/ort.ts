/**
 * The only importer of onnxruntime-web. Creates sessions, chooses execution providers by a
 * table, and reports the device actually used after any fallback (after transformers.js
 * src/backends/onnx.js). Runs in a Web Worker or a page; never in lib/.
 *
 * Two builds of onnxruntime-web, each loaded only when a session needs it: WASM sessions run on
 * the plain WASM build (`onnxruntime-web/wasm`, 14 MB), WebGPU sessions on the WebGPU build
 * (`onnxruntime-web/webgpu`, 27 MB, asyncify-instrumented so its C++ can await the GPU). The
 * WebGPU build also carries the WASM EP, but its CPU kernels pay for the instrumentation: on the
 * built-in model at 2048 tokens in Chromium on this 2-core machine a window took 2.9–3.8 s on its
 * first run and 0.9–1.6 s after (plain build: 0.84 s and 0.68–0.75 s), with the same NLL.
 *
 * Device-resident outputs (`runKeeping`, workers/runtime/deviceTensor.ts): a WebGPU session binds
 * the outputs named in `deviceOutputs` to GPU buffers (`preferredOutputLocation` 'gpu-buffer') and
 * returns the kept ones as handles; a handle from a session of the same build is fed to another
 * WebGPU session as it is (they share the build's WebGPU device). Anything else — a WASM session, a
 * handle of the other build, a session that once failed with such a feed — gets the values downloaded.
 */
import type * as Ort from 'onnxruntime-web';
import { GraphBuilder } from '../../lib/onnx/graphBuilder';
import { OnnxDataType } from '../../lib/onnx/proto';
import { wasmThreadsFor } from './threads';
import { cpuDeviceTensor, gpuDeviceTensor, keptNames, nativeOf, runWithDeviceFeeds } from './deviceTensor';
import type {
  AdapterInfo,
  DeviceReport,
  DeviceRequest,
  EngineRuntime,
  FeedTensor,
  FetchedTensor,
  GpuBufferLimits,
  KeptRunResult,
  RunFeed,
  RunOptions,
  RuntimeSession,
  SessionOptions,
} from './types';

type ConcreteDevice = 'webgpu' | 'wasm';

/** Providers tried in order per concrete device; the last entry is the fallback. */
const EP_TABLE: Record<ConcreteDevice, ConcreteDevice[]> = {
  webgpu: ['webgpu', 'wasm'],
  wasm: ['wasm'],
};

/** Minimal WebGPU surface we touch; the DOM lib of this TS version may not declare it. */
interface GpuLike {
  requestAdapter(): Promise<{ info?: Partial<AdapterInfo>; limits?: Partial<GpuBufferLimits>; features?: { has(name: string): boolean } } | null>;
}

export interface OrtWebOptions {
  /** Where ORT's .wasm/.mjs assets live on our own origin (e.g. '/ort/'); unset = bundler-emitted. */
  wasmPaths?: string;
}

type OrtModule = typeof Ort;

/** Each build has its own env (and its own copy of onnxruntime-common): set once per build. */
function configureEnv(ort: OrtModule, options: OrtWebOptions): void {
  const isolated = (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated === true;
  ort.env.wasm.numThreads = wasmThreadsFor((globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator?.hardwareConcurrency, isolated);
  if (options.wasmPaths !== undefined) ort.env.wasm.wasmPaths = options.wasmPaths;
  ort.env.logLevel = 'error';
}

const builds: Partial<Record<ConcreteDevice, Promise<OrtModule>>> = {};

/** The build that runs `ep`'s sessions, imported and configured on first use. */
function ortFor(ep: ConcreteDevice, options: OrtWebOptions): Promise<OrtModule> {
  builds[ep] ??= (ep === 'wasm' ? import('onnxruntime-web/wasm') : import('onnxruntime-web/webgpu')).then((ort: OrtModule) => {
    configureEnv(ort, options);
    return ort;
  });
  return builds[ep];
}

type WebGpuProbe = { ok: true; info: AdapterInfo; limits: GpuBufferLimits | null; shaderF16: boolean } | { ok: false; reason: string };

let webGpuProbe: Promise<WebGpuProbe> | null = null;

/**
 * The adapter's facts, asked once per worker: every session load reads its limits, its features
 * (shader-f16) and its info, which do not change while the page lives.
 */
function probeWebGpu(): Promise<WebGpuProbe> {
  webGpuProbe ??= requestWebGpuFacts();
  return webGpuProbe;
}

async function requestWebGpuFacts(): Promise<WebGpuProbe> {
  const gpu = (globalThis as { navigator?: { gpu?: GpuLike } }).navigator?.gpu;
  if (!gpu) return { ok: false, reason: 'navigator.gpu is missing (no WebGPU in this context)' };
  let adapter: Awaited<ReturnType<GpuLike['requestAdapter']>>;
  try {
    adapter = await gpu.requestAdapter();
  } catch (err) {
    return { ok: false, reason: `requestAdapter threw: ${(err as Error).message}` };
  }
  if (!adapter) return { ok: false, reason: 'navigator.gpu.requestAdapter() returned null' };
  const info = adapter.info ?? {};
  const maxBufferSize = adapter.limits?.maxBufferSize;
  const maxStorageBufferBindingSize = adapter.limits?.maxStorageBufferBindingSize;
  return {
    ok: true,
    // onnxruntime-web's WebGPU EP asks for 'shader-f16' when the adapter offers it and only then runs float16 kernels.
    shaderF16: adapter.features?.has('shader-f16') === true,
    limits: typeof maxBufferSize === 'number' && typeof maxStorageBufferBindingSize === 'number' ? { maxBufferSize, maxStorageBufferBindingSize } : null,
    info: {
      vendor: info.vendor ?? '',
      architecture: info.architecture ?? '',
      isFallbackAdapter: info.isFallbackAdapter ?? false,
    },
  };
}

/** Tensors come from the session's own build: each build checks feeds against its own Tensor class. */
function toOrtTensor(ort: OrtModule, feed: FeedTensor): Ort.Tensor {
  if (feed.type === 'int64') return new ort.Tensor('int64', feed.data, feed.dims);
  if (feed.type === 'float16') return new ort.Tensor('float16', feed.data, feed.dims);
  return feed.type === 'uint8' ? new ort.Tensor('uint8', feed.data, feed.dims) : new ort.Tensor('float32', feed.data, feed.dims);
}

class OrtWebSession implements RuntimeSession {
  /** Why this session stopped taking device-resident feeds (the ORT error), once it did. */
  private refusedFeeds: string | undefined;

  constructor(
    private readonly ort: OrtModule,
    private readonly session: Ort.InferenceSession,
    private readonly report: DeviceReport,
  ) {}

  get device(): DeviceReport {
    return this.refusedFeeds === undefined ? this.report : { ...this.report, deviceFeedRefused: this.refusedFeeds };
  }

  get inputNames(): readonly string[] {
    return this.session.inputNames;
  }

  get outputNames(): readonly string[] {
    return this.session.outputNames;
  }

  async run(feeds: Record<string, FeedTensor>, outputNames?: readonly string[]): Promise<Record<string, FetchedTensor>> {
    return (await this.runKeeping(feeds, outputNames ?? this.session.outputNames)).fetched;
  }

  async runKeeping(feeds: Record<string, RunFeed>, outputNames: readonly string[], options: RunOptions = {}): Promise<KeptRunResult> {
    const keep = keptNames(outputNames, options.keepOnDevice);
    const onGpu = this.report.used === 'webgpu';
    const results = (await runWithDeviceFeeds<Ort.Tensor>({
      feeds,
      refused: this.refusedFeeds !== undefined,
      // Only a GPU tensor of this build, into a WebGPU session: the WASM build has its own Tensor class and no device.
      nativeFeed: (handle) => (onGpu ? ((nativeOf(handle, this.ort) as Ort.Tensor | null) ?? null) : null),
      toNative: (feed) => toOrtTensor(this.ort, feed),
      disposeNative: (t) => t.dispose(),
      run: (ortFeeds) => this.session.run(ortFeeds, outputNames),
      onRefused: (reason, names) => {
        this.refusedFeeds = `a device-resident feed (${names.join(', ')}) failed (${reason}); this session now downloads such feeds and uploads them again`;
      },
    })) as Ort.InferenceSession.ReturnType;
    const out: KeptRunResult = { fetched: {}, kept: {} };
    const pending = new Set(outputNames);
    try {
      for (const name of outputNames) {
        const tensor = results[name];
        if (!tensor) throw new Error(`output '${name}' missing from run results`);
        if (tensor.type !== 'float32') throw new Error(`output '${name}' is ${tensor.type}, expected float32`);
        if (keep.has(name) && tensor.location === 'gpu-buffer') {
          out.kept[name] = gpuDeviceTensor(
            tensor.dims,
            this.ort,
            tensor,
            async () => new Float32Array((await tensor.getData()) as Float32Array),
            () => tensor.dispose(),
          );
        } else {
          // getData() downloads a GPU-resident output; the copy detaches us from ORT's buffer.
          const data = new Float32Array((await tensor.getData()) as Float32Array);
          tensor.dispose();
          if (keep.has(name)) out.kept[name] = cpuDeviceTensor(data, tensor.dims, onGpu);
          else out.fetched[name] = { data, dims: [...tensor.dims] };
        }
        pending.delete(name);
      }
    } catch (err) {
      for (const name of pending) results[name]?.dispose();
      for (const handle of Object.values(out.kept)) handle.dispose();
      throw err;
    }
    return out;
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}

/** A one-node graph (Identity on float32 [1]): creating its session initialises ORT's WASM module. */
function warmUpModelBytes(): Uint8Array {
  const g = new GraphBuilder();
  g.inputs.push({ name: 'x', dataType: OnnxDataType.FLOAT, dims: [1] });
  g.op('Identity', ['x'], undefined, { output: 'y' });
  g.outputs.push({ name: 'y', dataType: OnnxDataType.FLOAT, dims: [1] });
  return g.encode([{ domain: '', version: 17 }]);
}

/**
 * Browser runtime over onnxruntime-web: WebGPU first where asked (or 'auto' finds an adapter), WASM fallback.
 * It starts fetching and compiling the WASM build's module at once (a throwaway one-node session),
 * so that work overlaps the model download and graph build instead of following them: on a loaded
 * 2-core machine the first real session otherwise took ~10 s. WASM is the default device, and the
 * fallback and the noise floor of a WebGPU run; the WebGPU build loads on the first WebGPU session.
 */
export function createOrtWebRuntime(options: OrtWebOptions = {}): EngineRuntime {
  const warmUp: Promise<void> = (async () => {
    const ort = await ortFor('wasm', options);
    const session = await ort.InferenceSession.create(warmUpModelBytes(), { executionProviders: ['wasm'] });
    await session.release();
  })().catch(() => {
    // A failed warm-up only loses the head start; the real session reports its own error.
  });
  return {
    async gpuLimits(requested: DeviceRequest): Promise<GpuBufferLimits | null> {
      if (requested === 'wasm') return null;
      const probe = await probeWebGpu();
      return probe.ok ? probe.limits : null;
    },
    async deviceFacts(requested: DeviceRequest) {
      if (requested === 'wasm') return { ep: 'wasm' as const, shaderF16: false };
      const probe = await probeWebGpu();
      return probe.ok ? { ep: 'webgpu' as const, shaderF16: probe.shaderF16 } : { ep: 'wasm' as const, shaderF16: false };
    },
    async createSession(modelBytes: Uint8Array, requested: DeviceRequest, sessionOptions: SessionOptions = {}): Promise<RuntimeSession> {
      await warmUp;
      let target: ConcreteDevice = requested === 'wasm' ? 'wasm' : 'webgpu';
      let adapterInfo: AdapterInfo | undefined;
      let fallbackReason: string | undefined;
      if (target === 'webgpu') {
        const probe = await probeWebGpu();
        if (probe.ok) adapterInfo = probe.info;
        else {
          target = 'wasm';
          // 'auto' choosing WASM for lack of an adapter is not a fallback from a request.
          if (requested === 'webgpu') fallbackReason = probe.reason;
        }
      }
      const providers = EP_TABLE[target];
      const errors: string[] = [];
      for (const ep of providers) {
        try {
          const ort = await ortFor(ep, options);
          const threads = ort.env.wasm.numThreads ?? 1;
          const deviceOutputs = sessionOptions.deviceOutputs ?? [];
          const session = await ort.InferenceSession.create(modelBytes, {
            executionProviders: [ep],
            graphOptimizationLevel: 'all',
            // Idle pool threads sleep instead of spinning: between runs this worker builds graphs and
            // quantizes in JS while the analysis worker computes, all on the same cores. Default view,
            // 2-core machine: session loads 2.7–3.6 s instead of 4.1 s, ready 7.5–9.6 s instead of 9.8–10.7 s (5 and 3 runs).
            extra: { session: { intra_op: { allow_spinning: '0' } } },
            // Outputs a caller may keep on the GPU are bound to GPU buffers; a run that fetches one downloads it.
            ...(ep === 'webgpu' && deviceOutputs.length > 0
              ? { preferredOutputLocation: Object.fromEntries(deviceOutputs.map((name) => [name, 'gpu-buffer' as const])) }
              : {}),
          });
          const reasons = [fallbackReason, ...errors].filter((r): r is string => r !== undefined);
          const device: DeviceReport = {
            requested,
            used: ep,
            threads,
            ...(ep === 'webgpu' && adapterInfo ? { adapterInfo } : {}),
            ...(reasons.length > 0 ? { fallbackReason: reasons.join('; ') } : {}),
          };
          return new OrtWebSession(ort, session, device);
        } catch (err) {
          errors.push(`${ep} session failed: ${(err as Error).message}`);
        }
      }
      throw new Error(`could not create an ONNX Runtime session (${errors.join('; ')})`);
    },
  };
}
