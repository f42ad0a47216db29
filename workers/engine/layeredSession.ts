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
 */
import type { ModelSpec } from '../../lib/model/spec';
import { buildHeadGraph, embedRows, headFeeds, type HeadGraph } from '../../lib/onnx/headGraph';
import type { GraphKvQuant } from '../../lib/onnx/kvCacheQuant';
import { buildLayerGroupGraph, layerGroupFeeds, layerSlotFormat, slotFormatKey } from '../../lib/onnx/layerGroupGraph';
import type { FedDecoderLayerWeights } from '../../lib/onnx/weights';
import type { DeviceRequest, EngineRuntime, FeedTensor, FetchedTensor, RuntimeSession } from '../runtime/types';
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
  const groupSessions = new Map<string, Promise<{ session: RuntimeSession; outputNames: string[] }>>();
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
      s = runtime.createSession(graph.modelBytes, device).then((session) => ({ session, outputNames: graph.outputNames }));
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

  return {
    inputNames: ['input_ids', 'cos', 'sin'],
    outputNames,
    device: headSession.device,
    run(feeds, wanted) {
      const next = queue.then(() => runOnce(feeds, wanted));
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

  async function runOnce(feeds: Record<string, FeedTensor>, wanted?: readonly string[]): Promise<Record<string, FetchedTensor>> {
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
    let hidden = embedRows(headWeights.embedTokens, hiddenSize, ids.data);
    // Per token position, summed over the groups (each group's kv_clipped is [T]).
    const clipped = new Float32Array(seqLen);
    cache.beginPass();
    for (const grp of groups) {
      const keys = Array.from({ length: grp.count }, (_, j) => layerKey(source, grp.first + j));
      const acquired: FedDecoderLayerWeights[] = [];
      try {
        for (let j = 0; j < grp.count; j++) acquired.push(await cache.acquire(keys[j], loaderOf(source, grp.first + j)));
        const layers = source.expandLayer
          ? acquired.map((lw, j) => source.expandLayer!(grp.first + j, lw, (name, n) => scratchOf(`s${j}.${name}`, n)))
          : acquired;
        const { session, outputNames: groupOutputs } = await groupSession(grp.first, layers);
        const groupFeeds: Record<string, FeedTensor> = { hidden: floatFeed(hidden, [seqLen, hiddenSize]), cos, sin };
        for (const f of layerGroupFeeds(spec, grp.first, layers, options.kvQuant)) groupFeeds[f.name] = f;
        const fetch = groupOutputs.filter((n) => n === 'hidden_out' || n === 'kv_clipped' || names.includes(n));
        const res = await session.run(groupFeeds, fetch);
        hidden = res.hidden_out.data;
        for (const n of fetch) if (n !== 'hidden_out' && n !== 'kv_clipped') out[n] = res[n];
        if (res.kv_clipped) {
          const counts = res.kv_clipped.data;
          for (let p = 0; p < seqLen; p++) clipped[p] += counts[p];
        }
      } finally {
        for (let j = 0; j < acquired.length; j++) cache.release(keys[j]);
      }
    }
    const headOut = await headSession.run(
      { ...headWeightFeeds, hidden: floatFeed(hidden, [seqLen, hiddenSize]), input_ids: ids },
      head.outputNames.filter((n) => n === 'nll' || names.includes(n)),
    );
    out.nll = headOut.nll;
    if (headOut.logits) out.logits = headOut.logits;
    if (clips && names.includes('kv_clipped')) out.kv_clipped = { data: clipped, dims: [seqLen] };
    return out;
  }
}
