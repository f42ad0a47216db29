/**
 * DeviceTensor handles (workers/runtime/types.ts): how a runtime keeps an output where it was
 * computed and takes it back as a feed. A handle's values are private to this module: a runtime
 * reaches its own GPU tensor with `nativeOf(handle, owner)`, anyone else gets float32 values only
 * through `feedOf` (a download on the GPU). Pure TypeScript, no ORT: ort.ts and the sequencer's
 * tests make handles of their own tensors.
 */
import type { DeviceTensor, FeedTensor, FetchedTensor, KeptRunResult, RunFeed, RunOptions, RuntimeSession } from './types';

interface Internals {
  /** The runtime build whose sessions can take `native` as a feed (null for a CPU handle). */
  owner: unknown;
  /** The runtime's GPU tensor while the values are on the device. */
  native: unknown;
  /** The values once in JS memory (a CPU handle, or a GPU handle after `feedOf`). */
  data: Float32Array | null;
  read: (() => Promise<Float32Array>) | null;
  release: (() => void) | null;
  /** The download in flight, so two consumers download once. */
  reading: Promise<Float32Array> | null;
}

const internals = new WeakMap<DeviceTensor, Internals>();

class Handle implements DeviceTensor {
  readonly kind = 'device-tensor';
  location: 'gpu-buffer' | 'cpu';
  downloaded: boolean;
  disposed = false;

  constructor(
    readonly dims: readonly number[],
    location: 'gpu-buffer' | 'cpu',
    downloaded: boolean,
  ) {
    this.location = location;
    this.downloaded = downloaded;
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    const inner = internals.get(this)!;
    const release = inner.release;
    inner.release = null;
    inner.native = null;
    inner.data = null;
    // Marked first: a release that throws must not be tried again by a cleanup path.
    release?.();
  }
}

/**
 * A handle to a GPU tensor of `owner` (a runtime build) of float32 `dims`, row-major: `read`
 * downloads its values (once), `release` frees its buffer (once, on dispose or after a download).
 */
export function gpuDeviceTensor(
  dims: readonly number[],
  owner: unknown,
  native: unknown,
  read: () => Promise<Float32Array>,
  release: () => void,
): DeviceTensor {
  const handle = new Handle([...dims], 'gpu-buffer', false);
  internals.set(handle, { owner, native, data: null, read, release, reading: null });
  return handle;
}

/**
 * A handle to float32 values already in JS memory, row-major `dims` (WASM, onnxruntime-node);
 * `downloaded`: they were computed on the GPU and read back by the runtime that returned them.
 */
export function cpuDeviceTensor(data: Float32Array, dims: readonly number[], downloaded = false): DeviceTensor {
  const handle = new Handle([...dims], 'cpu', downloaded);
  internals.set(handle, { owner: null, native: null, data, read: null, release: null, reading: null });
  return handle;
}

export function isDeviceTensor(feed: RunFeed): feed is DeviceTensor {
  return (feed as { kind?: unknown }).kind === 'device-tensor';
}

function internalsOf(handle: DeviceTensor, use: string): Internals {
  const inner = internals.get(handle);
  if (!inner) throw new Error(`${use}: not a DeviceTensor made by workers/runtime/deviceTensor.ts`);
  if (handle.disposed) throw new Error(`${use}: the DeviceTensor [${handle.dims.join(', ')}] was disposed before this run`);
  return inner;
}

/** `owner`'s own GPU tensor behind `handle` while it is on the device; null otherwise (feed it with `feedOf`). */
export function nativeOf(handle: DeviceTensor, owner: unknown): unknown {
  const inner = internalsOf(handle, 'nativeOf');
  return handle.location === 'gpu-buffer' && inner.owner === owner ? inner.native : null;
}

/**
 * The handle's values as a float32 feed [dims]. A GPU handle is downloaded (once; later feeds reuse
 * the values), marked `downloaded` and its GPU buffer freed: the values now live in JS memory.
 */
export async function feedOf(handle: DeviceTensor): Promise<Extract<FeedTensor, { type: 'float32' }>> {
  const inner = internalsOf(handle, 'feedOf');
  if (inner.data === null) {
    inner.reading ??= inner.read!();
    const data = await inner.reading;
    if (handle.disposed) throw new Error(`feedOf: the DeviceTensor [${handle.dims.join(', ')}] was disposed while it was downloaded`);
    inner.data = data;
    inner.reading = null;
    const release = inner.release;
    inner.release = null;
    inner.native = null;
    const h = handle as Handle;
    h.location = 'cpu';
    h.downloaded = true;
    release?.();
  }
  return { type: 'float32', data: inner.data, dims: [...handle.dims] };
}

/** The names of `outputNames` to keep; every one must be an output of the run. */
export function keptNames(outputNames: readonly string[], keepOnDevice: readonly string[] | undefined): ReadonlySet<string> {
  const keep = new Set(keepOnDevice ?? []);
  for (const name of keep)
    if (!outputNames.includes(name)) throw new Error(`keepOnDevice names '${name}', which is not among the run's outputs [${outputNames.join(', ')}]`);
  return keep;
}

/** Plain feeds of a session without a device path: every handle's values in JS memory. */
async function plainFeeds(feeds: Record<string, RunFeed>): Promise<Record<string, FeedTensor>> {
  const out: Record<string, FeedTensor> = {};
  for (const [name, feed] of Object.entries(feeds)) out[name] = isDeviceTensor(feed) ? await feedOf(feed) : feed;
  return out;
}

/**
 * Runs `session` with handles among the feeds and `options.keepOnDevice` outputs kept: through its
 * own `runKeeping` when it has one (onnxruntime-web), else through `run` with the kept outputs as
 * CPU handles (onnxruntime-node, test wrappers) — so a caller has one path on every runtime.
 */
export async function runKeeping(
  session: RuntimeSession,
  feeds: Record<string, RunFeed>,
  outputNames: readonly string[],
  options: RunOptions = {},
): Promise<KeptRunResult> {
  if (session.runKeeping) return session.runKeeping(feeds, outputNames, options);
  const keep = keptNames(outputNames, options.keepOnDevice);
  const results = await session.run(await plainFeeds(feeds), outputNames, options.throwIfCancelled ? { throwIfCancelled: options.throwIfCancelled } : {});
  return splitKept(results, outputNames, keep);
}

/** Outputs in JS memory split into fetched ones and CPU handles for `keep`. */
export function splitKept(
  results: Record<string, FetchedTensor>,
  outputNames: readonly string[],
  keep: ReadonlySet<string>,
  downloaded = false,
): KeptRunResult {
  const out: KeptRunResult = { fetched: {}, kept: {} };
  for (const name of outputNames) {
    const t = results[name];
    if (!t) throw new Error(`output '${name}' missing from run results`);
    if (keep.has(name)) out.kept[name] = cpuDeviceTensor(t.data, t.dims, downloaded);
    else out.fetched[name] = t;
  }
  return out;
}

/**
 * One run of a device-capable session, with the fallback the engine promises: handles this session
 * can take are fed as they are (`nativeFeed`); when the run fails with such a feed, the session
 * records why (`onRefused`, so it says so once) and the run is tried again with those feeds
 * downloaded. `toNative` makes the session's tensor of plain data; `disposeNative` frees what it made.
 */
export async function runWithDeviceFeeds<T>(args: {
  feeds: Record<string, RunFeed>;
  refused: boolean;
  nativeFeed: (handle: DeviceTensor) => T | null;
  toNative: (feed: FeedTensor) => T;
  disposeNative: (tensor: T) => void;
  run: (feeds: Record<string, T>) => Promise<Record<string, unknown>>;
  onRefused: (reason: string, names: string[]) => void;
}): Promise<Record<string, unknown>> {
  const made: T[] = [];
  const make = (feed: FeedTensor): T => {
    const t = args.toNative(feed);
    made.push(t);
    return t;
  };
  try {
    const native: Record<string, T> = {};
    const onDevice: string[] = [];
    for (const [name, feed] of Object.entries(args.feeds)) {
      if (!isDeviceTensor(feed)) native[name] = make(feed);
      else {
        const direct = args.refused ? null : args.nativeFeed(feed);
        if (direct !== null) {
          native[name] = direct;
          onDevice.push(name);
        } else native[name] = make(await feedOf(feed));
      }
    }
    try {
      return await args.run(native);
    } catch (err) {
      if (onDevice.length === 0) throw err;
      args.onRefused((err instanceof Error ? err.message : String(err)).split('\n')[0], onDevice);
      for (const name of onDevice) native[name] = make(await feedOf(args.feeds[name] as DeviceTensor));
      return await args.run(native);
    }
  } finally {
    for (const t of made) args.disposeNative(t);
  }
}
