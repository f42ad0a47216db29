/**
 * The only importer of onnxruntime-node (ESLint holds it): creates every Node session — the engine
 * handler's tests, the benchmark, the CLI (cli/engine/nodeRunner.ts builds its NllEngine on
 * `createNodeSession`). Execution providers by a table: 'cpu'; 'webgpu' (onnxruntime-node's Linux
 * build bundles Dawn's WebGPU EP; it needs a GPU adapter); 'auto' = WebGPU when an adapter answers,
 * else CPU, reported. Never bundled for the browser.
 */
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { pathToFileURL } from 'node:url';
import * as ort from 'onnxruntime-node';
import { GraphBuilder } from '../../lib/onnx/graphBuilder';
import { OnnxDataType } from '../../lib/onnx/proto';
import type { DeviceReport, DeviceRequest, EngineRuntime, FeedTensor, FetchedTensor, RuntimeSession } from './types';

/** What a Node caller asks for (the CLI's --device). */
export type NodeDevice = 'cpu' | 'webgpu' | 'auto';

export interface NodeSessionOptions {
  device?: NodeDevice;
  /** Intra-op threads of the CPU EP; default all cores (os.availableParallelism()). */
  threads?: number;
}

/** A requested device that cannot run here (no WebGPU adapter): user-facing, one line. */
export class DeviceUnavailableError extends Error {
  readonly userFacing = true;
  override name = 'DeviceUnavailableError';
}

export interface NodeSession {
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  used: 'cpu' | 'webgpu';
  threads: number;
  /** Why 'auto' ran on the CPU, when it did. */
  fallbackReason?: string;
  /** Runs the graph; outputs (float32 only) by name, as the arrays onnxruntime-node returned. */
  run(feeds: Record<string, FeedTensor>, outputNames?: readonly string[]): Promise<Record<string, { data: Float32Array; dims: number[] }>>;
  release(): Promise<void>;
}

/** The first line of ORT's error, without its source-file prefix. */
function ortReason(err: unknown): string {
  const line = (err instanceof Error ? err.message : String(err)).split('\n')[0];
  const failed = /Failed to get a WebGPU adapter: (.*)$/.exec(line);
  return failed ? `no WebGPU adapter (${failed[1]})` : line.replace(/^\S+\.cc:\d+ \S+ /, '');
}

// Why WebGPU cannot run in this process ('' = it can; null = not asked yet). Asked once: Dawn
// prints its own warning each time.
let webgpuUnavailable: string | null = null;
// Whether the WebGPU EP placed a float16 Cast on the GPU (CPU fallback refused) in the probe: the
// adapter has shader-f16 and the EP computes float16. Not measurable on a GPU-less machine.
let webgpuFloat16 = false;

/** Cast float16 [1] → float32 [1]: a session of it with CPU fallback disabled needs float16 on the EP. */
function probeFloat16ModelBytes(): Uint8Array {
  const g = new GraphBuilder();
  g.inputs.push({ name: 'x', dataType: OnnxDataType.FLOAT16, dims: [1] });
  g.op('Cast', ['x'], { to: { kind: 'int', value: OnnxDataType.FLOAT } }, { output: 'y' });
  g.outputs.push({ name: 'y', dataType: OnnxDataType.FLOAT, dims: [1] });
  return g.encode([{ domain: '', version: 17 }]);
}

/** A one-node graph (Identity on float32 [1]): creating its session asks the EP for an adapter. */
function probeModelBytes(): Uint8Array {
  const g = new GraphBuilder();
  g.inputs.push({ name: 'x', dataType: OnnxDataType.FLOAT, dims: [1] });
  g.op('Identity', ['x'], undefined, { output: 'y' });
  g.outputs.push({ name: 'y', dataType: OnnxDataType.FLOAT, dims: [1] });
  return g.encode([{ domain: '', version: 17 }]);
}

/**
 * The device a request will run on, found with a one-node probe session before any model work:
 * 'webgpu' without an adapter throws DeviceUnavailableError; 'auto' falls back to 'cpu' with the reason.
 */
export async function resolveNodeDevice(device: NodeDevice): Promise<{ used: 'cpu' | 'webgpu'; fallbackReason?: string; shaderF16: boolean }> {
  if (device === 'cpu') return { used: 'cpu', shaderF16: false };
  webgpuUnavailable ??= probeWebGpuInChild();
  if (webgpuUnavailable === '') return { used: 'webgpu', shaderF16: webgpuFloat16 };
  if (device === 'webgpu') throw new DeviceUnavailableError(webgpuRefusal(webgpuUnavailable));
  return { used: 'cpu', fallbackReason: autoFallback(webgpuUnavailable), shaderF16: false };
}

/**
 * Asks for a WebGPU adapter in a child process: '' when a one-node session was created, else why
 * not. A child, because Dawn writes its own multi-line warnings (e.g. no Vulkan loader) to stderr,
 * and a refusal must stay one line.
 */
function probeWebGpuInChild(): string {
  const ortUrl = pathToFileURL(createRequire(import.meta.url).resolve('onnxruntime-node')).href;
  const script = [
    `const m = await import(${JSON.stringify(ortUrl)}); const ort = m.InferenceSession ? m : m.default;`,
    `try { const s = await ort.InferenceSession.create(Buffer.from(process.argv[1], 'base64'), { executionProviders: ['webgpu'] }); await s.release(); process.stdout.write('ok'); }`,
    `catch (e) { process.stdout.write('ERR ' + String(e && e.message).split('\\n')[0]); process.exit(0); }`,
    `try { const h = await ort.InferenceSession.create(Buffer.from(process.argv[2], 'base64'), { executionProviders: ['webgpu'], extra: { session: { disable_cpu_ep_fallback: '1' } } }); await h.release(); process.stdout.write(' f16'); } catch {}`,
  ].join('\n');
  const models = [probeModelBytes(), probeFloat16ModelBytes()].map((b) => Buffer.from(b).toString('base64'));
  const child = spawnSync(process.execPath, ['--input-type=module', '-e', script, ...models], {
    encoding: 'utf8',
    timeout: 120_000,
  });
  const out = (child.stdout ?? '').trim();
  webgpuFloat16 = out === 'ok f16';
  if (out === 'ok' || out === 'ok f16') return '';
  if (out.startsWith('ERR ')) return ortReason(new Error(out.slice(4)));
  return `the probe process ended without an answer (${child.error?.message ?? `exit ${child.status}`})`;
}

const webgpuRefusal = (reason: string) =>
  `--device webgpu: onnxruntime-node's WebGPU execution provider cannot run here: ${reason}; use --device cpu (or auto to fall back)`;
const autoFallback = (reason: string) => `--device auto: WebGPU unavailable (${reason}), ran on the CPU`;

function toOrtTensor(feed: FeedTensor): ort.Tensor {
  if (feed.type === 'int64') return new ort.Tensor('int64', feed.data, feed.dims);
  if (feed.type === 'float16') return new ort.Tensor('float16', feed.data, feed.dims);
  return feed.type === 'uint8' ? new ort.Tensor('uint8', feed.data, feed.dims) : new ort.Tensor('float32', feed.data, feed.dims);
}

function wrap(session: ort.InferenceSession, used: NodeSession['used'], threads: number, fallbackReason?: string): NodeSession {
  return {
    inputNames: session.inputNames,
    outputNames: session.outputNames,
    used,
    threads,
    ...(fallbackReason !== undefined ? { fallbackReason } : {}),
    async run(feeds, outputNames) {
      const ortFeeds: Record<string, ort.Tensor> = {};
      for (const [name, feed] of Object.entries(feeds)) ortFeeds[name] = toOrtTensor(feed);
      const wanted = outputNames ?? session.outputNames;
      const results = await session.run(ortFeeds, wanted);
      const out: Record<string, { data: Float32Array; dims: number[] }> = {};
      for (const name of wanted) {
        const tensor = results[name];
        if (!tensor) throw new Error(`output '${name}' missing from run results`);
        if (tensor.type !== 'float32') throw new Error(`output '${name}' is ${tensor.type}, expected float32`);
        out[name] = { data: tensor.data as Float32Array, dims: [...tensor.dims] };
      }
      return out;
    },
    release: () => session.release(),
  };
}

/**
 * Creates a session on `device` (default cpu) with `threads` intra-op threads (default all cores;
 * 0 = onnxruntime's own default). Throws DeviceUnavailableError for 'webgpu' without an adapter.
 */
export async function createNodeSession(modelBytes: Uint8Array, options: NodeSessionOptions = {}): Promise<NodeSession> {
  const device = options.device ?? 'cpu';
  const threads = options.threads ?? availableParallelism();
  const create = (ep: 'cpu' | 'webgpu') =>
    ort.InferenceSession.create(modelBytes, { executionProviders: [ep], graphOptimizationLevel: 'all', intraOpNumThreads: threads });
  if (device === 'cpu') return wrap(await create('cpu'), 'cpu', threads);
  if (webgpuUnavailable === null || webgpuUnavailable === '') {
    try {
      return wrap(await create('webgpu'), 'webgpu', threads);
    } catch (err) {
      webgpuUnavailable = ortReason(err);
    }
  }
  if (device === 'webgpu') throw new DeviceUnavailableError(webgpuRefusal(webgpuUnavailable));
  return wrap(await create('cpu'), 'cpu', threads, autoFallback(webgpuUnavailable));
}

export interface OrtNodeOptions {
  /** Intra-op threads; 0 lets ORT pick. */
  intraOpNumThreads?: number;
}

/** The engine handler's runtime in Node: every request runs on the CPU EP, and the report says so. */
export function createOrtNodeRuntime(options: OrtNodeOptions = {}): EngineRuntime {
  const threads = options.intraOpNumThreads ?? 0;
  return {
    async createSession(modelBytes: Uint8Array, requested: DeviceRequest): Promise<RuntimeSession> {
      const session = await createNodeSession(modelBytes, { device: 'cpu', threads });
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
          const results = await session.run(feeds, outputNames);
          const out: Record<string, FetchedTensor> = {};
          for (const [name, t] of Object.entries(results)) out[name] = { data: new Float32Array(t.data), dims: t.dims };
          return out;
        },
        async release() {
          await session.release();
        },
      };
    },
  };
}
