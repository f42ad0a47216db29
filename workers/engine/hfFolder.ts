/**
 * A Hugging Face folder served over HTTP, read by byte ranges through lib/model's openModel and
 * assembled for lib/onnx's graph builder (optional Q-ROAR scaling, then RTN: SPEC §3, §5). Also the
 * same assembly over any ByteSources (the user's File handles). Runs inside the worker.
 */
import type { ByteSource } from '../../lib/model/byteSource';
import { openModel, type OpenedModel } from '../../lib/model/open';
import { decoderLinearDtypes, planEngine, type EngineChoice, type EngineDeviceFacts, type EnginePlan } from '../../lib/model/enginePlan';
import type { ModelSpec } from '../../lib/model/spec';
import { assertRunFits, weightPrecisionOf, type MemoryAvailable } from '../../lib/model/budgetCheck';
import type { RunScenario } from '../../lib/model/runBudget';
import { describeStoredBlocks, storedLinearBits, storedNBitsLinear } from '../../lib/model/storedLinear';
import { assembleDecoderWeights, type AssembleOptions } from '../../lib/onnx/assembleWeights';
import type { DecoderWeights } from '../../lib/onnx/weights';
import { describeRtnBuild, rtnOptionsOf, type QroarBuild, type RtnBuild } from '../../lib/scenario/builds';
import { scenarioAssembleOptions, scenarioDecoderWeights } from '../../lib/scenario/weights';
import type { LayeredWeightSource } from './layeredSession';
import { layeredWeightSource } from './layeredSource';
import type { TensorCache } from './tensorCache';
import type { WeightsMemo } from './weightsMemo';

export type FetchLike = (
  url: string,
  init?: { method?: string; headers?: Record<string, string>; signal?: AbortSignal },
) => Promise<{
  ok: boolean;
  status: number;
  headers: { get(name: string): string | null };
  arrayBuffer(): Promise<ArrayBuffer>;
  json(): Promise<unknown>;
}>;

const joinUrl = (baseUrl: string, file: string): string => (baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`) + file;

/**
 * A file up to WHOLE_READ_MAX_BYTES is fetched whole on its first read of at least
 * WHOLE_READ_TRIGGER_BYTES (a tensor, not a header) and sliced after: one request instead of one
 * per tensor. The built-in model's 19 MB of weights as ~57 range requests took ~1.4 s of the first
 * load on the 2-core machine (the server and the WASM compile share the cores). Header reads stay
 * ranges, so the page's identity probe and a build whose tensors are cached read a few KB, and
 * larger files stay read by range, so a research-size checkpoint is never held in memory.
 */
export const WHOLE_READ_MAX_BYTES = 32 * 1024 * 1024;
export const WHOLE_READ_TRIGGER_BYTES = 64 * 1024;

/**
 * ByteSource over one URL. The size comes from a 1-byte Range probe's Content-Range; a server
 * that ignores Range answers 200 with the whole body, which is then kept and sliced (fine for
 * side files; a large weights file without Range support is refused rather than re-downloaded).
 */
export async function httpByteSource(fetchFn: FetchLike, url: string, name: string, wholeReadMaxBytes = WHOLE_READ_MAX_BYTES): Promise<ByteSource> {
  const probe = await fetchFn(url, { headers: { Range: 'bytes=0-0' } });
  if (!probe.ok) throw new Error(`${url}: HTTP ${probe.status}`);
  if (probe.status === 200) {
    const whole = new Uint8Array(await probe.arrayBuffer());
    return {
      name,
      sizeBytes: whole.length,
      async read(offsetBytes: number, lengthBytes: number): Promise<Uint8Array> {
        if (offsetBytes + lengthBytes > whole.length)
          throw new Error(`${url}: read ${lengthBytes} bytes at ${offsetBytes} is past the end (${whole.length} bytes)`);
        return whole.subarray(offsetBytes, offsetBytes + lengthBytes);
      },
    };
  }
  const contentRange = probe.headers.get('Content-Range') ?? '';
  const total = /\/(\d+)$/.exec(contentRange);
  if (probe.status !== 206 || !total) throw new Error(`${url}: Range probe answered HTTP ${probe.status}, Content-Range '${contentRange}'`);
  await probe.arrayBuffer();
  const sizeBytes = Number(total[1]);
  let whole: Promise<Uint8Array> | null = null;
  const readRange = async (offsetBytes: number, lengthBytes: number): Promise<Uint8Array> => {
    const response = await fetchFn(url, { headers: { Range: `bytes=${offsetBytes}-${offsetBytes + lengthBytes - 1}` } });
    if (response.status !== 206) throw new Error(`${url}: range ${offsetBytes}+${lengthBytes} answered HTTP ${response.status}, expected 206`);
    const bytes = new Uint8Array(await response.arrayBuffer());
    if (bytes.length !== lengthBytes) throw new Error(`${url}: asked for ${lengthBytes} bytes at ${offsetBytes}, got ${bytes.length}`);
    return bytes;
  };
  return {
    name,
    sizeBytes,
    async read(offsetBytes: number, lengthBytes: number): Promise<Uint8Array> {
      if (lengthBytes === 0) return new Uint8Array(0);
      if (offsetBytes + lengthBytes > sizeBytes) throw new Error(`${url}: read ${lengthBytes} bytes at ${offsetBytes} is past the end (${sizeBytes} bytes)`);
      if (whole !== null || (sizeBytes <= wholeReadMaxBytes && lengthBytes >= WHOLE_READ_TRIGGER_BYTES)) {
        // A failed whole read is not kept: the next read asks again.
        whole ??= readRange(0, sizeBytes).catch((err: unknown) => {
          whole = null;
          throw err;
        });
        return (await whole).subarray(offsetBytes, offsetBytes + lengthBytes);
      }
      return readRange(offsetBytes, lengthBytes);
    },
  };
}

export interface LoadedHfModel {
  spec: ModelSpec;
  weights: DecoderWeights;
  /** lib/model's header hash of the files. */
  identity: string;
  /** lib/model/storedLinear describeStoredBlocks when the build runs the file's own blocks, else null. */
  storedBlocks: string | null;
}

export interface LoadOptions {
  /** RTN on the build's linears (RtnBuild.layers); null/undefined = float32 weights. */
  quant?: RtnBuild | null;
  quantFormat?: 'fake' | 'nbits';
  qroar?: QroarBuild | null;
  /** 'f16': every weight rounded to float16 (lib/scenario/weightsF16). */
  weightPrecision?: 'f32' | 'f16';
  /**
   * Refuse before reading any tensor when the run's peak (lib/model/runBudget, with this load's
   * quant; lib/model/enginePlan picks the engine) exceeds `memory`: context, taps, logits and KV quant of the run.
   */
  budget?: { memory: MemoryAvailable; contextTokens: number; scenario: Pick<RunScenario, 'kvQuant' | 'tapLayerCount' | 'tapQueries' | 'tapValues' | 'logits'> };
  /**
   * The engine `openModelForRun` plans (default 'auto': the whole graph when it fits the budget);
   * 'layered' streams layers in groups of `layerGroupSize` (the planner's size when absent). Needs `budget`.
   */
  engine?: { choice: EngineChoice; layerGroupSize?: number };
  /** What the sessions will run on: a layer-streamed full-precision run holds float16 where it allows (lib/model/enginePlan). */
  device?: EngineDeviceFacts;
  /** Tensors already read from this model (by identity) are taken from here instead of the files. */
  tensorCache?: TensorCache;
  /** Decoder weights already assembled for this model and these weight options (workers/engine/weightsMemo). */
  weightsMemo?: WeightsMemo;
}

/** How a build will run: the whole graph with its weights, or layer-streamed from the files. */
export type ModelRun =
  | { kind: 'whole-graph'; model: LoadedHfModel; plan: EnginePlan | null }
  | { kind: 'layer-streamed'; spec: ModelSpec; identity: string; plan: EnginePlan; source: LayeredWeightSource; storedBlocks: string | null };

/** The ScenarioWeightOptions of a load (Q-ROAR, then RTN on the build's layers, optional float16 rounding). */
function scenarioOptionsOf(options: LoadOptions) {
  return {
    ...(options.quant ? { rtn: rtnOptionsOf(options.quant), quantFormat: options.quantFormat ?? 'fake', quantLayers: options.quant.layers } : {}),
    ...(options.qroar ? { qroar: { variant: options.qroar.variant, bands: options.qroar.bands, scales: options.qroar.scales } } : {}),
    ...(options.weightPrecision ? { weightPrecision: options.weightPrecision } : {}),
  } as const;
}

/**
 * Whether a load runs the GGUF's own Q4_0 / Q8_0 decoder linears as MatMulNBits (an exact repack,
 * lib/model/storedLinear), automatically: at full precision only — RTN quantizes the dequantized
 * weights, a Q-ROAR scaling of W_Q/W_K changes them first (assembleWeights then dequantizes; qk-norm
 * models scale the norms instead and keep the blocks), and the float16 noise floor rounds float32
 * weights. Returns the label line (describeStoredBlocks), or null when the file has no such linear
 * or the build cannot use them — so a safetensors model and other GGUF types build as before.
 */
function storedBlocksOf(model: OpenedModel, options: LoadOptions, assemble: AssembleOptions): string | null {
  if (model.format !== 'gguf' || options.weightPrecision === 'f16' || assemble.rtn || assemble.preQuant) return null;
  return describeStoredBlocks(model);
}

/** The AssembleOptions of a load (scenarioAssembleOptions) and, where storedBlocksOf says so, the file's own blocks. */
function assembleOptionsOf(model: OpenedModel, options: LoadOptions) {
  const { weightPrecision = 'f32', ...settings } = scenarioOptionsOf(options);
  const base = scenarioAssembleOptions(model.spec, settings);
  const storedBlocks = storedBlocksOf(model, options, base);
  const assemble: AssembleOptions = storedBlocks ? { ...base, storedLinear: storedNBitsLinear(model) } : base;
  // The memo and layer-cache keys name everything that changes the assembled values; a function does not stringify.
  const settingsKey = `${JSON.stringify(settings)}${storedBlocks ? '|gguf-blocks' : ''}`;
  return { assemble, storedBlocks, weightPrecision, settingsKey };
}

/**
 * The engine plan of a load with a budget (lib/model/enginePlan): `engine` 'whole' keeps today's
 * whole-graph check; 'auto' falls back to layer-streamed when the whole graph does not fit. Throws
 * BudgetExceededError (user-facing, with the numbers) when nothing fits; null without a budget.
 */
function planLoad(model: OpenedModel, options: LoadOptions, engine: EngineChoice, storedBlocks: boolean, layerGroupSize?: number): EnginePlan | null {
  if (!options.budget) {
    if (engine === 'layered') throw new Error(`engine 'layered' needs a memory budget (memoryBudgetBytes) to plan its layer cache`);
    return null;
  }
  const spec = model.spec;
  const { memory, contextTokens, scenario } = options.budget;
  const what = `a ${contextTokens}-token run${options.quant ? ` (${describeRtnBuild(options.quant)})` : ''} of this model`;
  const weights = weightPrecisionOf(options.quant ? rtnOptionsOf(options.quant) : undefined, options.quantFormat ?? 'fake');
  // The file's own blocks are priced at their MatMulNBits bytes (lib/model/runBudget StoredLinears).
  const stored = storedBlocks ? storedLinearBits(model) : null;
  const plan = planEngine(
    spec,
    // The worker's tensor cache keeps every float32 source tensor it reads (whole graph only: a
    // layer-streamed run never goes through it, and runBudget prices that engine without it).
    {
      ...scenario,
      weights,
      ...(stored ? { storedLinears: stored } : {}),
      quantLayers: options.quant?.layers ?? 'all',
      sourceTensors: options.tensorCache ? 'kept' : 'transient',
    },
    contextTokens,
    memory,
    { engine, what, ...(layerGroupSize !== undefined ? { layerGroupSize } : {}) },
    options.device ? { facts: options.device, linearDtypes: decoderLinearDtypes(model) } : undefined,
  );
  // The plan's budget against everything `memory` says (WebGPU buffer limits included).
  assertRunFits(plan.budget, memory, what);
  return plan;
}

/**
 * Opens model files (HF folder or one .gguf) through lib/model openModel and gathers the
 * decoder weights: Q-ROAR scaling of W_Q/W_K when asked, then RTN (on the build's
 * layers; fake-quant float32 by default, MatMulNBits codes with quantFormat 'nbits').
 * Whole graph only: refused when its budget does not fit (see openModelForRun for 'auto').
 */
export async function loadModelSources(
  sources: ByteSource[],
  options: LoadOptions,
  onProgress: (fraction: number, message: string) => void,
  throwIfCancelled: () => void,
): Promise<LoadedHfModel> {
  const model = await openModel(sources);
  planLoad(model, options, 'whole', assembleOptionsOf(model, options).storedBlocks !== null);
  return assembleWhole(model, options, onProgress, throwIfCancelled);
}

/**
 * Opens the files and plans the run (engine 'auto'): the whole graph (weights assembled as in
 * loadModelSources) when it fits the budget, else a layer-streamed source that reads each layer
 * by byte range when the engine needs it, converted at this load's precision. The tensorCache
 * and weightsMemo are NOT used for a layered run: both would hold every weight of the model (the
 * cache as float32), which is exactly what layer streaming exists to avoid.
 */
export async function openModelForRun(
  sources: ByteSource[],
  options: LoadOptions,
  onProgress: (fraction: number, message: string) => void,
  throwIfCancelled: () => void,
): Promise<ModelRun> {
  const model = await openModel(sources);
  const { assemble, storedBlocks, weightPrecision, settingsKey } = assembleOptionsOf(model, options);
  const plan = planLoad(model, options, options.engine?.choice ?? 'auto', storedBlocks !== null, options.engine?.layerGroupSize);
  if (plan?.engine !== 'layer-streamed') return { kind: 'whole-graph', model: await assembleWhole(model, options, onProgress, throwIfCancelled), plan };
  const tensorF32 = (hfName: string) => {
    throwIfCancelled();
    return model.tensorF32(hfName);
  };
  const source = layeredWeightSource(model.spec, tensorF32, assemble, model.identity, settingsKey, weightPrecision, {
    storage: plan.weightStorage,
    nbits: plan.nbitsFeed,
  });
  return { kind: 'layer-streamed', spec: model.spec, identity: model.identity, plan, source, storedBlocks };
}

async function assembleWhole(
  model: OpenedModel,
  options: LoadOptions,
  onProgress: (fraction: number, message: string) => void,
  throwIfCancelled: () => void,
): Promise<LoadedHfModel> {
  const tensorCount = model.spec.numLayers * 9 + 3;
  let read = 0;
  const weightOptions = scenarioOptionsOf(options);
  const stored = assembleOptionsOf(model, options);
  const tensorF32 = async (hfName: string) => {
    throwIfCancelled();
    const cache = options.tensorCache;
    // Keyed by the stored tensor: a tied embedding asked for under both names is held once.
    const storedName = model.resolveTensorName(hfName) ?? hfName;
    const tensor = cache ? await cache.tensorF32(model.identity, storedName, () => model.tensorF32(storedName)) : await model.tensorF32(storedName);
    onProgress(Math.min(1, ++read / tensorCount), hfName);
    return tensor;
  };
  const storedLinear = stored.assemble.storedLinear;
  // The file's own blocks: never through the float32 tensor cache (that copy is what they avoid).
  const assemble = storedLinear
    ? () =>
        assembleDecoderWeights(model.spec, tensorF32, {
          ...stored.assemble,
          storedLinear: async (hfName, rows, cols) => {
            throwIfCancelled();
            const linear = await storedLinear(hfName, rows, cols);
            if (linear) onProgress(Math.min(1, ++read / tensorCount), hfName);
            return linear;
          },
        })
    : () => scenarioDecoderWeights(model.spec, tensorF32, weightOptions);
  const memoKey = `${model.identity}|${JSON.stringify(weightOptions)}${stored.storedBlocks ? '|gguf-blocks' : ''}`;
  const weights = options.weightsMemo ? await options.weightsMemo.weights(memoKey, assemble) : await assemble();
  return { spec: model.spec, weights, identity: model.identity, storedBlocks: stored.storedBlocks };
}

/** Opens baseUrl/{config.json, model.safetensors} (or the given file names) over HTTP ranges; see loadModelSources. */
export async function loadHfFolder(
  fetchFn: FetchLike,
  baseUrl: string,
  options: LoadOptions & { files?: string[] },
  onProgress: (fraction: number, message: string) => void,
  throwIfCancelled: () => void,
): Promise<LoadedHfModel> {
  const files = options.files ?? ['config.json', 'model.safetensors'];
  const sources = await Promise.all(files.map((file) => httpByteSource(fetchFn, joinUrl(baseUrl, file), file)));
  return loadModelSources(sources, options, onProgress, throwIfCancelled);
}

/** openModelForRun over baseUrl/{config.json, model.safetensors} (or the given file names), read by HTTP ranges. */
export async function openHfFolderForRun(
  fetchFn: FetchLike,
  baseUrl: string,
  options: LoadOptions & { files?: string[] },
  onProgress: (fraction: number, message: string) => void,
  throwIfCancelled: () => void,
): Promise<ModelRun> {
  const files = options.files ?? ['config.json', 'model.safetensors'];
  const sources = await Promise.all(files.map((file) => httpByteSource(fetchFn, joinUrl(baseUrl, file), file)));
  return openModelForRun(sources, options, onProgress, throwIfCancelled);
}
