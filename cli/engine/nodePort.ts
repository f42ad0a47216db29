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
 */
import { calibrateKvChannelScales, type KvChannelScales } from '../../lib/eval/kvCalibration';
import type { NllEngine, NllEngineOutput } from '../../lib/eval/engine';
import type { ModelSpec } from '../../lib/model/spec';
import { buildLlamaGraph } from '../../lib/onnx/llamaGraph';
import type { DecoderWeights } from '../../lib/onnx/weights';
import { rtnOptionsOf } from '../../lib/scenario/builds';
import type { EngineBuild } from '../../lib/scenario/engineBuild';
import type { EnginePortOpenOptions, ScenarioEnginePort } from '../../lib/scenario/enginePort';
import { engineBuildIdentity, float32Digest, stableKey } from '../../lib/scenario/key';
import { scenarioDecoderWeights } from '../../lib/scenario/weights';
import { createNodeEngine } from './nodeRunner';

/** What the Node port reads off an opened model (cli/scenario/model ScenarioModel fits). */
export interface NodePortModel {
  spec: ModelSpec;
  /** Trained window L in force: the KV calibration context. */
  trainedWindow: { windowTokens: number };
  /** Float32 tensor by HF name (kept by the model; never mutated here). */
  tensorF32(hfName: string): Promise<Float32Array>;
}

/** The weight-side fields of a build: equal keys, equal decoder weights. */
function weightsKey(build: EngineBuild): string {
  const { quant, quantFormat, qroar, weightPrecision } = engineBuildIdentity(build);
  return stableKey({ quant, quantFormat, qroar, weightPrecision });
}

export function createNodeEnginePort(model: NodePortModel): ScenarioEnginePort {
  const { spec } = model;
  let last: { key: string; weights: Promise<DecoderWeights> } | null = null;
  const calibrations = new Map<string, Promise<KvChannelScales>>();

  const weightsOf = (build: EngineBuild): Promise<DecoderWeights> => {
    const key = weightsKey(build);
    if (last?.key === key) return last.weights;
    const q = build.quant ?? null;
    const entry = {
      key,
      weights: scenarioDecoderWeights(spec, (n) => model.tensorF32(n), {
        ...(q ? { rtn: rtnOptionsOf(q), quantLayers: q.layers, quantFormat: build.quantFormat ?? 'fake' } : {}),
        ...(build.qroar ? { qroar: build.qroar } : {}),
        ...(build.weightPrecision ? { weightPrecision: build.weightPrecision } : {}),
      }),
    };
    last = entry;
    // A failed assembly is retried by the next open, not remembered.
    entry.weights.catch(() => {
      if (last === entry) last = null;
    });
    return entry.weights;
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
      scales = weightsOf(calBuild).then((weights) =>
        calibrateKvChannelScales({
          kv,
          tokens: cal.tokens,
          calibrationTokens: S,
          trainedWindowTokens: L,
          rope: cal.rope,
          dims: spec,
          openEngine: (graph) => createNodeEngine(buildLlamaGraph(spec, weights, graph)),
        }),
      );
      calibrations.set(key, scales);
      scales.catch(() => calibrations.delete(key));
    }
    return scales;
  };

  return {
    async open(build: EngineBuild, o: EnginePortOpenOptions = {}): Promise<NllEngine> {
      const kv = build.kv ?? null;
      const channelScales = kv?.granularity === 'channel' ? (build.kvChannelScales ?? (await channelScalesOf(build, o))) : null;
      const weights = await weightsOf(build);
      if (o.signal?.aborted) throw new DOMException('cancelled', 'AbortError');
      const inner = await createNodeEngine(
        buildLlamaGraph(spec, weights, {
          seqLen: build.seqLen,
          ...(build.tapLayers ? { tapLayers: build.tapLayers } : {}),
          ...(build.logits ? { logits: true } : {}),
          ...(build.tapValues ? { tapValues: true } : {}),
          ...(build.tapQueries === false ? { tapQueries: false } : {}),
          ...(kv ? { kvQuant: channelScales ? { ...kv, channelScales } : kv } : {}),
        }),
      );
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
