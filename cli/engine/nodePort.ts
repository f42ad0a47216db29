/**
 * The Node implementation of lib/scenario's engine port (`open(build) → NllEngine`) over
 * cli/engine/nodeRunner (which creates every session through workers/runtime/ort-node, the one
 * onnxruntime-node owner) — the twin of the browser port (workers/engine/scenarioPort): the same
 * typed EngineBuild becomes the same decoder weights (Q-ROAR scales first, then RTN on the build's
 * linears, optional float16 rounding: lib/scenario/weights) and the same lib/onnx graph. The
 * weights of the last build are kept, so consecutive graphs of one model (a search candidate's L′
 * and guard graphs, a curve's contexts) assemble them once. A per-channel KV cache is calibrated
 * first (lib/eval/kvCalibration, on the same weights without KV quant) and memoised like the
 * page's. Device and threads are the process's (configureNodeEngines); `device` in the options is
 * ignored: Node has one backend.
 * With `options.engine` a layer-streamed plan (lib/model/enginePlan, cli/scenario/budget
 * planRunEngine), every graph — calibration included — runs layer-streamed
 * (workers/engine/layeredSession): each layer read from the file when its group runs, kept only
 * within the plan's layer cache. A build with quantFormat 'nbits' and no quant runs a GGUF's own
 * Q4_0/Q8_0 linears as MatMulNBits (`model.storedLinear`, an exact repack).
 */
import { calibrateKvChannelScales, type KvChannelScales } from '../../lib/eval/kvCalibration';
import type { NllEngine, NllEngineOutput } from '../../lib/eval/engine';
import type { EnginePlan } from '../../lib/model/enginePlan';
import type { ModelSpec } from '../../lib/model/spec';
import { assembleDecoderWeights, type AssembleOptions } from '../../lib/onnx/assembleWeights';
import { buildLlamaGraph } from '../../lib/onnx/llamaGraph';
import type { DecoderWeights, FedDecoderLayerWeights } from '../../lib/onnx/weights';
import { rtnOptionsOf } from '../../lib/scenario/builds';
import type { EngineBuild } from '../../lib/scenario/engineBuild';
import type { EnginePortOpenOptions, ScenarioEnginePort } from '../../lib/scenario/enginePort';
import { engineBuildIdentity, float32Digest, stableKey } from '../../lib/scenario/key';
import { scenarioAssembleOptions, type ScenarioWeightOptions } from '../../lib/scenario/weights';
import { roundDecoderWeightsToF16 } from '../../lib/scenario/weightsF16';
import type { LayeredSessionOptions, LayeredWeightSource } from '../../workers/engine/layeredSession';
import { layeredWeightSource } from '../../workers/engine/layeredSource';
import { createLayerWeightCache } from '../../workers/engine/layerWeightCache';
import { createLayeredNodeEngine, createNodeEngine } from './nodeRunner';

/** What the Node port reads off an opened model (cli/scenario/model ScenarioModel fits). */
export interface NodePortModel {
  spec: ModelSpec;
  /** Trained window L in force: the KV calibration context. */
  trainedWindow: { windowTokens: number };
  /** Float32 tensor by HF name (kept by the model; never mutated here). */
  tensorF32(hfName: string): Promise<Float32Array>;
  /** lib/model identity hash of the files: keys the layer-streamed engine's layer cache. */
  identity?: string;
  /** A tensor read from the files and not kept (the layer-streamed engine's reads); absent = tensorF32. */
  readTensorF32?(hfName: string): Promise<Float32Array>;
  /** A GGUF's own Q4_0/Q8_0 linears (lib/model/storedLinear storedNBitsLinear); absent = none (every linear dequantized). */
  storedLinear?: AssembleOptions['storedLinear'];
}

/** How the port runs its graphs (lib/model/enginePlan EnginePlan's engine fields); absent = the whole graph. */
export type NodePortEngine = Pick<EnginePlan, 'engine' | 'layerGroupSize' | 'layerCacheBytes' | 'weightStorage' | 'nbitsFeed'>;

export interface NodeEnginePort extends ScenarioEnginePort {
  /** The execution provider of the engine opened last ('ort-node:cpu', 'ort-node:webgpu'), or null before any. */
  lastDevice(): string | null;
}

/** The weight-side fields of a build: equal keys, equal decoder weights. */
function weightsKey(build: EngineBuild): string {
  const { quant, quantFormat, qroar, weightPrecision } = engineBuildIdentity(build);
  return stableKey({ quant, quantFormat, qroar, weightPrecision });
}

/** The graph options of one open (what buildLlamaGraph and the layered session both take). */
type GraphOptions = Omit<LayeredSessionOptions, 'layerGroupSize'>;

export interface NodePortOptions {
  /** Whole graph or layer-streamed (absent: the whole graph). */
  engine?: NodePortEngine;
  /**
   * 'kept' (default): whole-graph weights are assembled from `model.tensorF32`, whose float32
   * sources the model keeps (diagnose and search assemble several weight sets from them);
   * 'transient': from `model.readTensorF32`, nothing kept beyond the assembled weights (eval: one
   * weight set, priced so by its budget). Layer-streamed runs always read transiently.
   */
  sourceTensors?: 'kept' | 'transient';
}

export function createNodeEnginePort(model: NodePortModel, options: NodePortOptions = {}): NodeEnginePort {
  const { spec } = model;
  const wholeRead = options.sourceTensors === 'transient' && model.readTensorF32 ? model.readTensorF32.bind(model) : model.tensorF32.bind(model);
  const plan = options.engine?.engine === 'layer-streamed' ? options.engine : null;
  let last: { key: string; weights: Promise<DecoderWeights> } | null = null;
  let lastSource: { key: string; source: LayeredWeightSource } | null = null;
  const layerCache = createLayerWeightCache<FedDecoderLayerWeights>(plan?.layerCacheBytes ?? 0);
  const calibrations = new Map<string, Promise<KvChannelScales>>();
  let device: string | null = null;

  const weightOptionsOf = (build: EngineBuild): ScenarioWeightOptions => {
    const q = build.quant ?? null;
    return {
      ...(q ? { rtn: rtnOptionsOf(q), quantLayers: q.layers, quantFormat: build.quantFormat ?? 'fake' } : {}),
      ...(build.qroar ? { qroar: build.qroar } : {}),
      ...(build.weightPrecision ? { weightPrecision: build.weightPrecision } : {}),
    };
  };
  // quantFormat 'nbits' without RTN: the file's own blocks where it has them (assembleWeights keeps
  // the float32 path for a linear whose values a Q-ROAR hook changes).
  const assembleOptionsOf = (build: EngineBuild): AssembleOptions => {
    const base = scenarioAssembleOptions(spec, { ...weightOptionsOf(build), weightPrecision: 'f32' });
    const stored = !build.quant && build.quantFormat === 'nbits' && model.storedLinear;
    return stored ? { ...base, storedLinear: model.storedLinear } : base;
  };

  const weightsOf = (build: EngineBuild): Promise<DecoderWeights> => {
    const key = weightsKey(build);
    if (last?.key === key) return last.weights;
    const f16 = !build.quant && build.weightPrecision === 'f16';
    const assembled = assembleDecoderWeights(spec, wholeRead, assembleOptionsOf(build));
    const entry = { key, weights: f16 ? assembled.then(roundDecoderWeightsToF16) : assembled };
    last = entry;
    // A failed assembly is retried by the next open, not remembered.
    entry.weights.catch(() => {
      if (last === entry) last = null;
    });
    return entry.weights;
  };

  // Layer-streamed: one weight source per weight setting, reading tensors straight from the files.
  const sourceOf = (build: EngineBuild): LayeredWeightSource => {
    const key = weightsKey(build);
    if (lastSource?.key === key) return lastSource.source;
    const read = (model.readTensorF32 ?? model.tensorF32).bind(model);
    const precision = !build.quant && build.weightPrecision === 'f16' ? 'f16' : 'f32';
    const source = layeredWeightSource(spec, read, assembleOptionsOf(build), model.identity ?? 'model', key, precision, {
      storage: plan!.weightStorage,
      nbits: plan!.nbitsFeed,
    });
    lastSource = { key, source };
    return source;
  };

  const openGraph = async (build: EngineBuild, graph: GraphOptions) => {
    const engine = plan
      ? await createLayeredNodeEngine(sourceOf(build), { ...graph, layerGroupSize: plan.layerGroupSize }, layerCache)
      : await createNodeEngine(buildLlamaGraph(spec, await weightsOf(build), graph));
    device = engine.device;
    return engine;
  };

  const channelScalesOf = (build: EngineBuild, o: EnginePortOpenOptions): Promise<KvChannelScales> => {
    const kv = build.kv!;
    const cal = o.kvCalibration;
    if (!cal) throw new Error('per-channel KV quant needs calibrated scales: open the build with kvCalibration (the text and rope to calibrate on)');
    const L = model.trainedWindow.windowTokens;
    const S = cal.calibrationTokens ?? L;
    const calBuild: EngineBuild = {
      seqLen: S,
      quant: build.quant ?? null,
      ...(build.quantFormat ? { quantFormat: build.quantFormat } : {}),
      qroar: build.qroar ?? null,
    };
    // The calibration reads the first S tokens: their bits key it (a Float32Array view of the int32 ids, for the digest).
    const head = cal.tokens.subarray(0, S);
    const key = stableKey({
      kv,
      model: engineBuildIdentity(calBuild),
      rope: cal.rope,
      tokens: { count: head.length, digest: float32Digest([new Float32Array(head.buffer, head.byteOffset, head.length)]) },
    });
    let scales = calibrations.get(key);
    if (!scales) {
      scales = calibrateKvChannelScales({
        kv,
        tokens: cal.tokens,
        calibrationTokens: S,
        trainedWindowTokens: L,
        rope: cal.rope,
        dims: spec,
        openEngine: (graph) => openGraph(calBuild, graph),
      });
      calibrations.set(key, scales);
      scales.catch(() => calibrations.delete(key));
    }
    return scales;
  };

  return {
    lastDevice: () => device,
    async open(build: EngineBuild, o: EnginePortOpenOptions = {}): Promise<NllEngine> {
      const kv = build.kv ?? null;
      const channelScales = kv?.granularity === 'channel' ? (build.kvChannelScales ?? (await channelScalesOf(build, o))) : null;
      if (o.signal?.aborted) throw new DOMException('cancelled', 'AbortError');
      const inner = await openGraph(build, {
        seqLen: build.seqLen,
        ...(build.tapLayers ? { tapLayers: build.tapLayers } : {}),
        ...(build.logits ? { logits: true } : {}),
        ...(build.tapValues ? { tapValues: true } : {}),
        ...(build.tapQueries === false ? { tapQueries: false } : {}),
        ...(kv ? { kvQuant: channelScales ? { ...kv, channelScales } : kv } : {}),
        ...(build.kvClipCount && channelScales ? { kvClipCount: true } : {}),
      });
      // As the browser port: nll only unless taps are asked for.
      if (o.wantTaps) return inner;
      return {
        device: inner.device,
        seqLen: inner.seqLen,
        async run(input): Promise<NllEngineOutput> {
          return { nll: (await inner.run(input)).nll };
        },
        dispose: () => inner.dispose(),
      };
    },
  };
}
