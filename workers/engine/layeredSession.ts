/**
 * The layer-streamed engine: the decoder run group by group (lib/onnx/layerGroupGraph.ts) with
 * the embedding as a row gather and the head as its own graph (lib/onnx/headGraph.ts), presented
 * as a `RuntimeSession` with the whole graph's inputs (`input_ids`, `cos`, `sin`) and outputs
 * (`nll`, optional `logits`, taps, `kv_clipped`), so callers (the CLI's NllEngine, the worker's
 * session LRU) need not know it is layered. The runtime is injected (onnxruntime-node in the CLI,
 * onnxruntime-web in the worker); nothing here imports one.
 *
 * Per run: embed → for each group: acquire its layers from the shared LayerWeightCache (read and
 * converted by `source.loadLayer` on a miss; expanded by `source.expandLayer` when the cached form
 * is not the fed one), feed them as inputs to the group's session (one session per distinct group
 * structure — sessions hold no weights), release → head. So at most one group's weights plus what
 * the cache keeps are alive. Creating the session fills the cache first (`warmLayerCache`).
 *
 * The hidden state goes from session to session as a DeviceTensor (workers/runtime/deviceTensor.ts
 * `runKeeping`): on WebGPU each group's `hidden_out` stays in GPU memory and is fed as it is to the
 * next group and, after the last, to the head; taps, `kv_clipped` and the NLL are downloaded (they
 * are results). On WASM and onnxruntime-node the handles hold CPU values (the same path). Each
 * handle is disposed once, after the run that consumed it, or on error or cancel. The device report
 * (`handOff`) says how many hand-offs of the latest run stayed on the device and, once, why any did not.
 */
import type { ModelSpec } from '../../lib/model/spec';
import { buildHeadGraph, embedRows, headFeeds, type HeadGraph } from '../../lib/onnx/headGraph';
import type { GraphKvQuant } from '../../lib/onnx/kvCacheQuant';
import { buildLayerGroupGraph, layerGroupFeeds, layerSlotFormat, slotFormatKey } from '../../lib/onnx/layerGroupGraph';
import type { FedDecoderLayerWeights } from '../../lib/onnx/weights';
import { isDeviceTensor, runKeeping } from '../runtime/deviceTensor';
import type {
  DeviceReport,
  DeviceRequest,
  EngineRuntime,
  FeedTensor,
  FetchedTensor,
  HandOffReport,
  RunFeed,
  RunOptions,
  RuntimeSession,
} from '../runtime/types';
import type { LayerWeightCache } from './layerWeightCache';

/** Where a layered session gets its weights (read when needed, at the scenario's precision). */
export interface LayeredWeightSource {
  spec: ModelSpec;
  /**
   * Names the weights' precision and source (model identity, quant, Q-ROAR …): cache entries are
   * keyed by it, so two scenarios never share a layer by mistake.
   */
  weightsKey: string;
  /**
   * Layer `layer` assembled (lib/onnx assembleLayerWeights: Q-ROAR, then RTN), tensors read by byte
   * range, in the form the cache keeps (see `expandLayer`).
   */
  loadLayer(layer: number): Promise<FedDecoderLayerWeights>;
  /**
   * The weights a group's graph is fed, from the cached form, when the two differ: fake-quant RTN
   * is cached as its 4-bit codes (~6× fewer bytes than float32, so the cache holds ~6× the layers)
   * and expanded to the exact dequantized float32 values just before the group runs. Absent = fed as cached.
   * `scratch(name, length)` hands out the session's float32 buffer `name` for this group slot
   * (the same one every run, so expanding allocates nothing); it is overwritten by the next group.
   */
  expandLayer?(layer: number, cached: FedDecoderLayerWeights, scratch: (name: string, length: number) => Float32Array): FedDecoderLayerWeights;
  /** Embedding [vocab, hidden], LM head (the same array when tied), final norm [hidden]; read once per session. */
  loadHead(): Promise<{ embedTokens: Float32Array; lmHead: Float32Array; finalNorm: Float32Array }>;
}

/** The graph options of buildLlamaGraph that a layered session honours, plus its group size. */
export interface LayeredSessionOptions {
  seqLen: number;
  /** Decoder layers per group (≥ 1; clamped to numLayers). */
  layerGroupSize: number;
  tapLayers?: number[];
  tapValues?: boolean;
  tapQueries?: boolean;
  kvQuant?: GraphKvQuant;
  kvClipCount?: boolean;
  logits?: boolean;
  attentionBudgetBytes?: number;
  headBudgetBytes?: number;
}

/** A session of a layered run and how the device report names it. */
interface Party {
  session: RuntimeSession;
  label: string;
}

/** Bytes of a layer's arrays (what the cache counts). */
export function layerWeightBytes(lw: FedDecoderLayerWeights): number {
  let n = lw.inputNorm.byteLength + lw.postAttentionNorm.byteLength + (lw.qNorm?.byteLength ?? 0) + (lw.kNorm?.byteLength ?? 0);
  for (const w of [lw.q, lw.k, lw.v, lw.o, lw.gate, lw.up, lw.down]) {
    n += w.bias?.byteLength ?? 0;
    n += w.kind === 'nbits' ? w.packed.byteLength + w.scales.byteLength + (w.zeroPoints?.byteLength ?? 0) : w.weight.byteLength;
  }
  return n;
}

/** Layer ranges [first, first + count) of groups of `size` layers (the last may be shorter). */
export function layerGroups(numLayers: number, size: number): Array<{ first: number; count: number }> {
  const n = Math.min(numLayers, Math.max(1, Math.floor(size)));
  if (!(size >= 1)) throw new Error(`layerGroupSize must be ≥ 1, got ${size}`);
  const out: Array<{ first: number; count: number }> = [];
  for (let first = 0; first < numLayers; first += n) out.push({ first, count: Math.min(n, numLayers - first) });
  return out;
}

const layerKey = (source: LayeredWeightSource, layer: number) => `${source.weightsKey}#L${layer}`;

function loaderOf(source: LayeredWeightSource, layer: number) {
  return async () => {
    const value = await source.loadLayer(layer);
    return { value, bytes: layerWeightBytes(value) };
  };
}

/**
 * Loads layers 0, 1, … into `cache` while they are kept, before the first run — what the whole
 * graph and PyTorch do before their forward pass (assemble every weight), within the cache's
 * budget; the first run then reads only the layers that do not fit. Stops at the first layer the
 * cache cannot keep, or when what is left of the budget is smaller than the last layer loaded, so
 * at most one load is wasted (and none with a zero budget).
 */
async function warmLayerCache(source: LayeredWeightSource, cache: LayerWeightCache<FedDecoderLayerWeights>): Promise<void> {
  if (cache.budgetBytes <= 0) return;
  let lastBytes = 0;
  for (let layer = 0; layer < source.spec.numLayers; layer++) {
    const key = layerKey(source, layer);
    if (cache.isKept(key)) continue;
    if (lastBytes > 0 && cache.budgetBytes - cache.keptBytes < lastBytes) return;
    const lw = await cache.acquire(key, loaderOf(source, layer));
    cache.release(key);
    if (!cache.isKept(key)) return;
    lastBytes = layerWeightBytes(lw);
  }
}

function floatFeed(data: Float32Array, dims: number[]): FeedTensor {
  return { type: 'float32', data, dims };
}

/**
 * Creates the layered session of `source` at `options.seqLen` on `device`. The head session is
 * created here; group sessions when first needed. `release()` releases every session (the cache's
 * kept weights stay in the cache, shared with other sessions).
 */
export async function createLayeredSession(
  runtime: EngineRuntime,
  device: DeviceRequest,
  source: LayeredWeightSource,
  options: LayeredSessionOptions,
  cache: LayerWeightCache<FedDecoderLayerWeights>,
): Promise<RuntimeSession> {
  const { spec } = source;
  const { seqLen } = options;
  const { hiddenSize, headDim, numLayers } = spec;
  const groups = layerGroups(numLayers, options.layerGroupSize);
  const taps = new Set(options.tapLayers ?? []);
  for (const l of taps) if (!(l >= 0 && l < numLayers)) throw new Error(`tap layer ${l} outside 0…${numLayers - 1}`);
  const head: HeadGraph = buildHeadGraph(spec, { seqLen, logits: options.logits === true, headBudgetBytes: options.headBudgetBytes });
  const headWeights = await source.loadHead();
  const headSession = await runtime.createSession(head.modelBytes, device);
  const headWeightFeeds: Record<string, FeedTensor> = {};
  for (const f of headFeeds(spec, head, headWeights.lmHead, headWeights.finalNorm)) headWeightFeeds[f.name] = floatFeed(f.data, f.dims);

  await warmLayerCache(source, cache);

  // One session per distinct group structure (layer count, formats, taps in it, KV setting).
  const groupSessions = new Map<string, Promise<{ session: RuntimeSession; outputNames: string[]; label: string }>>();
  const groupSession = (first: number, layers: FedDecoderLayerWeights[]) => {
    const slots = layers.map(layerSlotFormat);
    const tapped = layers.map((_, j) => first + j).filter((l) => taps.has(l));
    const key = `${slots.map(slotFormatKey).join('|')}#taps:${tapped.join(',')}`;
    let s = groupSessions.get(key);
    if (!s) {
      const graph = buildLayerGroupGraph(spec, {
        seqLen,
        firstLayer: first,
        slots,
        tapLayers: tapped,
        tapValues: options.tapValues,
        tapQueries: options.tapQueries,
        kvQuant: options.kvQuant,
        kvClipCount: options.kvClipCount,
        attentionBudgetBytes: options.attentionBudgetBytes,
      });
      s = runtime
        .createSession(graph.modelBytes, device, { deviceOutputs: ['hidden_out'] })
        .then((session) => ({ session, outputNames: graph.outputNames, label: `layers ${first}–${first + layers.length - 1}` }));
      s.catch(() => groupSessions.delete(key));
      groupSessions.set(key, s);
    }
    return s;
  };

  const tapNames: string[] = [];
  for (let l = 0; l < numLayers; l++) {
    if (!taps.has(l)) continue;
    if (options.tapQueries !== false) tapNames.push(`q_pre_${l}`);
    tapNames.push(`k_pre_${l}`);
    if (options.tapQueries !== false) tapNames.push(`q_post_${l}`);
    tapNames.push(`k_post_${l}`);
    if (options.tapValues) tapNames.push(`v_${l}`);
    if (options.kvQuant) tapNames.push(`k_kv_${l}`, `v_kv_${l}`);
  }
  const clips = options.kvClipCount === true && options.kvQuant?.granularity === 'channel';
  const outputNames = [...head.outputNames, ...tapNames, ...(clips ? ['kv_clipped'] : [])];
  let released = false;
  // Expanded weights of the running group, reused run after run (one group's float32 at most).
  const scratch = new Map<string, Float32Array>();
  const scratchOf = (name: string, length: number): Float32Array => {
    let buffer = scratch.get(name);
    if (buffer?.length !== length) scratch.set(name, (buffer = new Float32Array(length)));
    return buffer;
  };
  // Runs one at a time: the scratch buffers are shared by every run of this session.
  let queue: Promise<unknown> = Promise.resolve();
  let handOff: HandOffReport | undefined;

  return {
    inputNames: ['input_ids', 'cos', 'sin'],
    outputNames,
    get device(): DeviceReport {
      return handOff ? { ...headSession.device, handOff } : headSession.device;
    },
    run(feeds, wanted, control) {
      const next = queue.then(() => runOnce(feeds, wanted, control));
      queue = next.catch(() => undefined);
      return next;
    },
    async release() {
      if (released) return;
      released = true;
      await queue;
      const all = await Promise.allSettled([...groupSessions.values()]);
      groupSessions.clear();
      for (const s of all) if (s.status === 'fulfilled') await s.value.session.release();
      await headSession.release();
      scratch.clear();
    },
  };

  /**
   * Counts the hand-off of `handle` (the hidden state) from `producer` to `consumer`, whose run has
   * ended, and disposes it: kept on the device, or not and why (the run's first reason is reported).
   */
  function handedOff(stats: HandOffReport & { why?: string }, handle: RunFeed, producer: Party, consumer: Party): void {
    if (!isDeviceTensor(handle)) return;
    stats.count += 1;
    if (handle.location === 'gpu-buffer') stats.onDevice += 1;
    else if (handle.downloaded) {
      stats.downloads += 1;
      const refused = consumer.session.device.deviceFeedRefused;
      stats.why ??= refused
        ? `${consumer.label}: ${refused}`
        : consumer.session.device.used !== 'webgpu'
          ? `${consumer.label} runs on ${consumer.session.device.used}, so ${producer.label}'s hidden_out was downloaded`
          : `${producer.label}'s hidden_out came back in CPU memory`;
    } else if (consumer.session.device.used === 'webgpu' && producer.session.device.used !== 'webgpu') {
      // Not a download (it never was on the GPU), but not on the device either: say where it ran.
      stats.why ??= `${producer.label} runs on ${producer.session.device.used}, so its hidden_out was uploaded to ${consumer.label}`;
    }
    handle.dispose();
  }

  async function runOnce(
    feeds: Record<string, FeedTensor>,
    wanted?: readonly string[],
    control: Pick<RunOptions, 'throwIfCancelled'> = {},
  ): Promise<Record<string, FetchedTensor>> {
    if (released) throw new Error('layered session was released');
    const ids = feeds.input_ids;
    const cos = feeds.cos;
    const sin = feeds.sin;
    if (!ids || ids.type !== 'int64' || ids.data.length !== seqLen) throw new Error(`input_ids must be int64 [1, ${seqLen}]`);
    if (!cos || !sin || cos.type !== 'float32' || sin.type !== 'float32' || cos.data.length !== seqLen * headDim || sin.data.length !== seqLen * headDim) {
      throw new Error(`cos/sin must be float32 [${seqLen}, ${headDim}]`);
    }
    const names = wanted ?? outputNames;
    for (const n of names) if (!outputNames.includes(n)) throw new Error(`layered session has no output '${n}' (has ${outputNames.join(', ')})`);
    const out: Record<string, FetchedTensor> = {};
    const stats: HandOffReport & { why?: string } = { count: 0, onDevice: 0, downloads: 0 };
    // The embedding (plain data) for the first group, then each group's hidden_out handle.
    let hidden: RunFeed = floatFeed(embedRows(headWeights.embedTokens, hiddenSize, ids.data), [seqLen, hiddenSize]);
    let producer: Party | null = null;
    // Per token position, summed over the groups (each group's kv_clipped is [T]).
    const clipped = new Float32Array(seqLen);
    cache.beginPass();
    try {
      for (const grp of groups) {
        control.throwIfCancelled?.();
        const keys = Array.from({ length: grp.count }, (_, j) => layerKey(source, grp.first + j));
        const acquired: FedDecoderLayerWeights[] = [];
        try {
          for (let j = 0; j < grp.count; j++) acquired.push(await cache.acquire(keys[j], loaderOf(source, grp.first + j)));
          const layers = source.expandLayer
            ? acquired.map((lw, j) => source.expandLayer!(grp.first + j, lw, (name, n) => scratchOf(`s${j}.${name}`, n)))
            : acquired;
          const group = await groupSession(grp.first, layers);
          const groupFeeds: Record<string, RunFeed> = { hidden, cos, sin };
          for (const f of layerGroupFeeds(spec, grp.first, layers, options.kvQuant)) groupFeeds[f.name] = f;
          const fetch = group.outputNames.filter((n) => n === 'hidden_out' || n === 'kv_clipped' || names.includes(n));
          const res = await runKeeping(group.session, groupFeeds, fetch, { keepOnDevice: ['hidden_out'] });
          const consumed = hidden;
          hidden = res.kept.hidden_out;
          if (producer) handedOff(stats, consumed, producer, group);
          producer = group;
          for (const n of fetch) if (n !== 'hidden_out' && n !== 'kv_clipped') out[n] = res.fetched[n];
          if (res.fetched.kv_clipped) {
            const counts = res.fetched.kv_clipped.data;
            for (let p = 0; p < seqLen; p++) clipped[p] += counts[p];
          }
        } finally {
          for (let j = 0; j < acquired.length; j++) cache.release(keys[j]);
        }
      }
      control.throwIfCancelled?.();
      const headOut = await runKeeping(
        headSession,
        { ...headWeightFeeds, hidden, input_ids: ids },
        head.outputNames.filter((n) => n === 'nll' || names.includes(n)),
      );
      if (producer) handedOff(stats, hidden, producer, { session: headSession, label: 'the head' });
      out.nll = headOut.fetched.nll;
      if (headOut.fetched.logits) out.logits = headOut.fetched.logits;
    } finally {
      // An error or a cancel between hand-offs: the handle in flight is freed here (once).
      if (isDeviceTensor(hidden) && !hidden.disposed) hidden.dispose();
    }
    const { why, ...counts } = stats;
    handOff = { ...counts, ...(why !== undefined ? { reason: why } : {}) };
    if (clips && names.includes('kv_clipped')) out.kv_clipped = { data: clipped, dims: [seqLen] };
    return out;
  }
}
