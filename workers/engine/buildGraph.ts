/**
 * The worker's graph sources: HF folder over HTTP, or the user's own files → (optional Q-ROAR,
 * RTN) → lib/onnx LLaMA graph bytes (with optional in-graph KV fake quant) — or, when the build's
 * memory budget cannot hold the whole graph but can hold it layer-streamed (lib/model/enginePlan
 * 'auto'), a LayeredBuild the handler turns into a layered session. Kept apart from handler.ts
 * so the handler stays runtime- and format-agnostic.
 */
import { byteSourceFromBlob, type ByteSource } from '../../lib/model/byteSource';
import { buildLlamaGraph, type GraphKvQuant } from '../../lib/onnx/llamaGraph';
import type { KvChannelScales } from '../../lib/eval/kvCalibration';
import { describeKvBuild, describeRtnBuild, type KvBuild } from '../../lib/scenario/builds';
import type { BuildContext } from './handler';
import type { FetchLike, ModelRun } from './hfFolder';
import { openHfFolderForRun, openModelForRun } from './hfFolder';
import type { LayeredSessionOptions, LayeredWeightSource } from './layeredSession';
import type { GraphBuildRequest, ModelFile } from './protocol';
import type { TensorCache } from './tensorCache';
import type { WeightsMemo } from './weightsMemo';

/** The in-graph KV quant of a build request; per-channel needs the calibrated scales in the request. */
export function graphKvQuant(kv: KvBuild | null | undefined, channelScales?: KvChannelScales | null): GraphKvQuant | undefined {
  if (!kv) return undefined;
  if (kv.granularity !== 'channel') return kv;
  if (!channelScales)
    throw new Error(
      `KV quant '${describeKvBuild(kv)}': per-channel KV quant needs calibrated scales (lib/eval/kvCalibration.ts); this build request carries none`,
    );
  return { ...kv, channelScales };
}

/** What the worker keeps between builds: source tensors (float32) and assembled decoder weights. */
export interface BuildCaches {
  tensorCache?: TensorCache;
  weightsMemo?: WeightsMemo;
}

function loadOptions(build: GraphBuildRequest, ctx: BuildContext, caches: BuildCaches = {}) {
  const gpuLimits = ctx.gpuLimits ?? undefined;
  return {
    ...(caches.tensorCache ? { tensorCache: caches.tensorCache } : {}),
    ...(caches.weightsMemo ? { weightsMemo: caches.weightsMemo } : {}),
    quant: build.quant,
    ...(build.quantFormat ? { quantFormat: build.quantFormat } : {}),
    ...(build.qroar ? { qroar: build.qroar } : {}),
    ...(build.weightPrecision ? { weightPrecision: build.weightPrecision } : {}),
    ...(ctx.deviceFacts ? { device: ctx.deviceFacts } : {}),
    ...(build.engine !== undefined
      ? { engine: { choice: build.engine, ...(build.layerGroupSize !== undefined ? { layerGroupSize: build.layerGroupSize } : {}) } }
      : {}),
    ...(build.memoryBudgetBytes !== undefined
      ? {
          budget: {
            memory: {
              budgetBytes: build.memoryBudgetBytes,
              reason: build.memoryBudgetReason ?? 'the memory budget of the load request',
              ...(gpuLimits ? { gpuLimits } : {}),
            },
            contextTokens: build.seqLen,
            scenario: {
              kvQuant: !!build.kv,
              tapLayerCount: build.tapLayers?.length ?? 0,
              tapQueries: build.tapQueries !== false,
              tapValues: build.tapValues === true,
              logits: build.logits === true,
            },
          },
        }
      : {}),
  };
}

/**
 * A build the whole graph cannot hold but the layer-streamed engine can (lib/model/enginePlan
 * 'auto'): the handler creates a layered session (workers/engine/layeredSession.ts) over `source`
 * with `options`, and a layer cache of `layerCacheBytes` of its own.
 */
export interface LayeredBuild {
  kind: 'layered';
  source: LayeredWeightSource;
  options: LayeredSessionOptions;
  layerCacheBytes: number;
  /** The plan's estimated peak of one run, bytes (lib/model/runBudget). */
  peakBytesEstimate: number;
}

/** What a graph builder hands the handler: ONNX bytes of the whole graph, or a layered build. */
export type BuiltModel = Uint8Array | LayeredBuild;

async function buildOf(load: () => Promise<ModelRun>, build: GraphBuildRequest, ctx: BuildContext): Promise<BuiltModel> {
  const kvQuant = graphKvQuant(build.kv, build.kvChannelScales); // a per-channel cache without scales fails before any tensor is read
  const run = await load();
  ctx.throwIfCancelled();
  const graphOptions = {
    seqLen: build.seqLen,
    ...(build.tapLayers ? { tapLayers: build.tapLayers } : {}),
    ...(build.logits ? { logits: true } : {}),
    ...(build.tapValues ? { tapValues: true } : {}),
    ...(build.tapQueries === false ? { tapQueries: false } : {}),
    ...(kvQuant ? { kvQuant } : {}),
    ...(build.kvClipCount && kvQuant?.granularity === 'channel' ? { kvClipCount: true } : {}),
  };
  const spec = run.kind === 'whole-graph' ? run.model.spec : run.spec;
  // A GGUF's own Q4_0/Q8_0 blocks (automatic at full precision, workers/engine/hfFolder.ts) are named in the engine's message.
  const storedBlocks = run.kind === 'whole-graph' ? run.model.storedBlocks : run.storedBlocks;
  const what = `${spec.numLayers} layers, T = ${build.seqLen}${build.quant ? `, ${describeRtnBuild(build.quant)}` : ''}${build.kv ? `, KV ${describeKvBuild(build.kv)}` : ''}${storedBlocks ? `, ${storedBlocks}` : ''}`;
  if (run.kind === 'layer-streamed') {
    const { layerGroupSize, layerCacheBytes, budget } = run.plan;
    ctx.onProgress('build-graph', 1, `${what}: layer-streamed, ${layerGroupSize} layer(s) per group (the whole graph does not fit the budget)`);
    return { kind: 'layered', source: run.source, options: { ...graphOptions, layerGroupSize }, layerCacheBytes, peakBytesEstimate: budget.peakBytes };
  }
  ctx.onProgress('build-graph', 0, what);
  const graph = buildLlamaGraph(run.model.spec, run.model.weights, graphOptions);
  ctx.onProgress('build-graph', 1);
  return graph.modelBytes;
}

/**
 * With a tensorCache, every build of the same model (by identity) reads each weight over HTTP
 * once; with a weightsMemo, builds with the same weight options assemble (quantize) them once.
 */
export function createUrlGraphBuilder(fetchFn: FetchLike, caches: BuildCaches = {}) {
  return async function buildGraphFromUrl(baseUrl: string, build: GraphBuildRequest, ctx: BuildContext): Promise<BuiltModel> {
    return buildOf(
      () =>
        openHfFolderForRun(
          fetchFn,
          baseUrl,
          loadOptions(build, ctx, caches),
          (fraction, message) => ctx.onProgress('fetch', fraction, message),
          ctx.throwIfCancelled,
        ),
      build,
      ctx,
    );
  };
}

/** Builds from ByteSources (tests) or, via buildGraphFromFiles, from File/Blob handles read by range. */
export function buildGraphFromSources(sources: ByteSource[], build: GraphBuildRequest, ctx: BuildContext, caches: BuildCaches = {}): Promise<BuiltModel> {
  return buildOf(
    () => openModelForRun(sources, loadOptions(build, ctx, caches), (fraction, message) => ctx.onProgress('fetch', fraction, message), ctx.throwIfCancelled),
    build,
    ctx,
  );
}

export function buildGraphFromFiles(files: ModelFile[], build: GraphBuildRequest, ctx: BuildContext, caches: BuildCaches = {}): Promise<BuiltModel> {
  return buildGraphFromSources(
    files.map((f) => byteSourceFromBlob(f.blob, f.name)),
    build,
    ctx,
    caches,
  );
}
