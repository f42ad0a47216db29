// The layered engine's hand-offs (hidden state group → group → head) on a runtime that offers
// device residency: a stand-in "GPU" over onnxruntime-node whose kept outputs are DeviceTensor
// handles made by workers/runtime/deviceTensor.ts, with every upload, download, release and
// dispose counted. The numbers must be the plain onnxruntime-node run's, bit for bit (same
// kernels; only where the hidden state waits between sessions differs).
import { beforeAll, describe, expect, it } from 'vitest';
import { graphRopeInputs } from '../../lib/eval/ropeInputs';
import { idsToInt64 } from '../../lib/eval/engine';
import type { ModelSpec } from '../../lib/model/spec';
import { assembleHeadWeights, assembleLayerWeights, type TensorF32Source } from '../../lib/onnx/assembleWeights';
import type { DecoderLayerWeights } from '../../lib/onnx/weights';
import { builtinSpec, builtinTensorSource, readTokens, fixtureIndex } from '../../cli/engine/testing/builtin';
import { cpuDeviceTensor, gpuDeviceTensor, nativeOf, runWithDeviceFeeds, keptNames } from '../runtime/deviceTensor';
import { createOrtNodeRuntime } from '../runtime/ort-node';
import type { DeviceTensor, EngineRuntime, FeedTensor, FetchedTensor, KeptRunResult, RuntimeSession } from '../runtime/types';
import { createLayeredSession, type LayeredSessionOptions } from './layeredSession';
import { createLayerWeightCache, type LayerWeightCache } from './layerWeightCache';

const T = 64;
const GROUP = 2; // the built-in model's 6 layers: 3 groups, so 3 hand-offs (2 between groups, 1 to the head)
let spec: ModelSpec;
let source: TensorF32Source;
let tokens: Int32Array;

beforeAll(() => {
  spec = builtinSpec();
  source = builtinTensorSource();
  tokens = readTokens(fixtureIndex().texts[0].file);
});

interface Counts {
  /** `hidden` fed as plain data (an upload on a GPU). */
  hiddenUploads: number;
  /** Handle values read back (a download on a GPU). */
  downloads: number;
  handlesMade: number;
  /** Release callbacks run (freeing the "GPU buffer"). */
  released: number;
  /** dispose() calls per handle. */
  disposeCalls: Map<DeviceTensor, number>;
  refusals: number;
}

interface FakeOptions {
  /** The head session (the one without hidden_out) refuses device-resident feeds. */
  headRefusesFeeds?: boolean;
  /** The n-th group run (0-based, counted over the runtime's life) throws. */
  failGroupRun?: number;
  /** The n-th session created (0 = the head, then the groups in order) ran on WASM (an EP fallback): no device, CPU outputs. */
  wasmSession?: number;
}

/** onnxruntime-node sessions dressed as WebGPU ones that keep `deviceOutputs` on a stand-in device. */
function deviceRuntime(fake: FakeOptions = {}): { runtime: EngineRuntime; counts: Counts } {
  const inner = createOrtNodeRuntime({ intraOpNumThreads: 2 });
  const owner = { name: 'fake-gpu' };
  const onDevice = new WeakSet<FeedTensor>();
  const counts: Counts = { hiddenUploads: 0, downloads: 0, handlesMade: 0, released: 0, disposeCalls: new Map(), refusals: 0 };
  let groupRuns = 0;
  let created = 0;
  const runtime: EngineRuntime = {
    async createSession(bytes, device, sessionOptions = {}) {
      const session = await inner.createSession(bytes, device);
      const onWasm = fake.wasmSession === created++;
      const deviceOutputs = new Set(sessionOptions.deviceOutputs ?? []);
      const isGroup = session.outputNames.includes('hidden_out');
      const refuses = fake.headRefusesFeeds === true && !isGroup;
      let refused: string | undefined;
      const self: RuntimeSession = {
        inputNames: session.inputNames,
        outputNames: session.outputNames,
        get device() {
          return { ...session.device, used: onWasm ? ('wasm' as const) : ('webgpu' as const), ...(refused ? { deviceFeedRefused: refused } : {}) };
        },
        run: (feeds, names) => session.run(feeds, names),
        async runKeeping(feeds, names, options = {}): Promise<KeptRunResult> {
          const keep = keptNames(names, options.keepOnDevice);
          if (isGroup && groupRuns++ === fake.failGroupRun) throw new Error('fake: this group run fails');
          const results = (await runWithDeviceFeeds<FeedTensor>({
            feeds,
            refused: refused !== undefined,
            nativeFeed: (h) => (onWasm ? null : (nativeOf(h, owner) as FeedTensor | null)),
            toNative: (feed) => feed,
            disposeNative: () => {},
            run: async (plain) => {
              if (refuses && Object.values(plain).some((f) => onDevice.has(f))) {
                counts.refusals++;
                throw new Error('fake: gpu-buffer feeds are not supported here');
              }
              if (plain.hidden && !onDevice.has(plain.hidden)) counts.hiddenUploads++;
              return session.run(plain, names);
            },
            onRefused: (reason) => {
              refused = `refused (${reason})`;
            },
          })) as Record<string, FetchedTensor>;
          const out: KeptRunResult = { fetched: {}, kept: {} };
          for (const name of names) {
            const t = results[name];
            if (!keep.has(name) || !deviceOutputs.has(name)) {
              out.fetched[name] = t;
              continue;
            }
            if (onWasm) {
              out.kept[name] = cpuDeviceTensor(t.data, t.dims);
              continue;
            }
            const resident: FeedTensor = { type: 'float32', data: t.data, dims: t.dims };
            onDevice.add(resident);
            const handle = gpuDeviceTensor(
              t.dims,
              owner,
              resident,
              async () => {
                counts.downloads++;
                return t.data;
              },
              () => counts.released++,
            );
            counts.handlesMade++;
            const dispose = handle.dispose.bind(handle);
            (handle as { dispose: () => void }).dispose = () => {
              counts.disposeCalls.set(handle, (counts.disposeCalls.get(handle) ?? 0) + 1);
              dispose();
            };
            out.kept[name] = handle;
          }
          return out;
        },
        release: () => session.release(),
      };
      return self;
    },
  };
  return { runtime, counts };
}

const opts: LayeredSessionOptions = { seqLen: T, layerGroupSize: GROUP, tapLayers: [1, 4] };

function feeds(): Record<string, FeedTensor> {
  const { cos, sin } = graphRopeInputs(spec.rope, T);
  return {
    input_ids: { type: 'int64', data: idsToInt64(tokens.subarray(0, T)), dims: [1, T] },
    cos: { type: 'float32', data: cos, dims: [T, spec.headDim] },
    sin: { type: 'float32', data: sin, dims: [T, spec.headDim] },
  };
}

async function open(runtime: EngineRuntime, cache: LayerWeightCache<DecoderLayerWeights> = createLayerWeightCache<DecoderLayerWeights>(0)) {
  const layered = {
    spec,
    weightsKey: 'handoff',
    loadLayer: (l: number) => assembleLayerWeights(spec, l, source),
    loadHead: () => assembleHeadWeights(spec, source),
  };
  return createLayeredSession(runtime, 'webgpu', layered, opts, cache);
}

function expectEachDisposedOnce(counts: Counts): void {
  expect(counts.disposeCalls.size).toBe(counts.handlesMade);
  for (const calls of counts.disposeCalls.values()) expect(calls).toBe(1);
  expect(counts.released).toBe(counts.handlesMade);
}

let reference: Record<string, FetchedTensor>;

describe('layered hand-offs on a runtime with device residency', () => {
  it('plain onnxruntime-node: every hand-off is a CPU handle, none is a download', async () => {
    const session = await open(createOrtNodeRuntime({ intraOpNumThreads: 2 }));
    try {
      reference = await session.run(feeds());
      expect(session.device.handOff).toEqual({ count: 3, onDevice: 0, downloads: 0 });
      expect(Object.keys(reference).sort()).toEqual(['k_post_1', 'k_post_4', 'k_pre_1', 'k_pre_4', 'nll', 'q_post_1', 'q_post_4', 'q_pre_1', 'q_pre_4']);
    } finally {
      await session.release();
    }
  });

  it('keeps the hidden state on the device: one upload (the embedding), no download, each handle disposed once; the same numbers bit for bit', async () => {
    const { runtime, counts } = deviceRuntime();
    const session = await open(runtime);
    try {
      for (let run = 1; run <= 2; run++) {
        const out = await session.run(feeds());
        for (const [name, t] of Object.entries(reference)) expect(Array.from(out[name].data), name).toEqual(Array.from(t.data));
        expect(counts.hiddenUploads).toBe(run);
        expect(counts.downloads).toBe(0);
        expect(counts.handlesMade).toBe(3 * run);
        expectEachDisposedOnce(counts);
        expect(session.device.handOff).toEqual({ count: 3, onDevice: 3, downloads: 0 });
      }
    } finally {
      await session.release();
    }
  });

  it('a session that refuses a device-resident feed gets it downloaded, from then on without retrying; the report says why, once', async () => {
    const { runtime, counts } = deviceRuntime({ headRefusesFeeds: true });
    const session = await open(runtime);
    try {
      const first = await session.run(feeds());
      expect(Array.from(first.nll.data)).toEqual(Array.from(reference.nll.data));
      expect(counts.refusals).toBe(1);
      expect(counts.downloads).toBe(1);
      const report = session.device.handOff;
      expect(report).toMatchObject({ count: 3, onDevice: 2, downloads: 1 });
      expect(report?.reason).toBe('the head: refused (fake: gpu-buffer feeds are not supported here)');
      const second = await session.run(feeds());
      expect(Array.from(second.nll.data)).toEqual(Array.from(reference.nll.data));
      expect(counts.refusals).toBe(1); // no second failed try: the session remembers
      expect(counts.downloads).toBe(2);
      expect(session.device.handOff).toEqual(report);
      expectEachDisposedOnce(counts);
    } finally {
      await session.release();
    }
  });

  it('a group whose session fell back to WASM: the hand-off into it is a download, the one out of it an upload; the report says why', async () => {
    const { runtime, counts } = deviceRuntime({ wasmSession: 2 }); // layers 2–3
    const session = await open(runtime);
    try {
      const out = await session.run(feeds());
      expect(Array.from(out.nll.data)).toEqual(Array.from(reference.nll.data));
      expect(counts.downloads).toBe(1);
      expect(session.device.handOff).toEqual({
        count: 3,
        onDevice: 1,
        downloads: 1,
        reason: "layers 2–3 runs on wasm, so layers 0–1's hidden_out was downloaded",
      });
      expectEachDisposedOnce(counts);
    } finally {
      await session.release();
    }
  });

  it('a group that throws: the run fails, every handle made is disposed once, no layer stays in use, and the next run works', async () => {
    const { runtime, counts } = deviceRuntime({ failGroupRun: 2 }); // the third group of the first run
    const cache = createLayerWeightCache<DecoderLayerWeights>(0);
    const session = await open(runtime, cache);
    try {
      await expect(session.run(feeds())).rejects.toThrow('fake: this group run fails');
      expect(counts.handlesMade).toBe(2);
      expectEachDisposedOnce(counts);
      expect(cache.streamingBytes).toBe(0);
      const out = await session.run(feeds());
      expect(Array.from(out.nll.data)).toEqual(Array.from(reference.nll.data));
      expectEachDisposedOnce(counts);
    } finally {
      await session.release();
    }
  });

  it('a cancel between groups stops the run and frees the handle in flight', async () => {
    const { runtime, counts } = deviceRuntime();
    const session = await open(runtime);
    try {
      let checks = 0;
      const cancelAfterFirstGroup = () => {
        if (++checks === 2) throw Object.assign(new Error('cancelled'), { name: 'AbortError' });
      };
      await expect(session.run(feeds(), undefined, { throwIfCancelled: cancelAfterFirstGroup })).rejects.toThrow('cancelled');
      expect(counts.handlesMade).toBe(1);
      expectEachDisposedOnce(counts);
    } finally {
      await session.release();
    }
  });
});
