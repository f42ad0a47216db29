/**
 * Forward runs shared by `diagnose` and `search`: decoder weights with optional Q-ROAR scaling
 * (scale W_Q/W_K first, then RTN — SPEC §5) and optional RTN, one ONNX graph per length on
 * onnxruntime-node, single tapped windows and windowed mean NLL.
 */
import type { NllEngineOutput } from '../../lib/eval/engine';
import { evaluatePerplexity, type ContextPerplexity } from '../../lib/eval/perplexity';
import { graphRopeInputs } from '../../lib/eval/ropeInputs';
import type { ModelSpec } from '../../lib/model/spec';
import { assembleDecoderWeights, type AssembleOptions } from '../../lib/onnx/assembleWeights';
import { buildLlamaGraph, type GraphKvQuant } from '../../lib/onnx/llamaGraph';
import type { DecoderWeights } from '../../lib/onnx/weights';
import type { RtnOptions } from '../../lib/quant/rtn';
import { qroarRowFactors, scaleRowsInPlace, type QroarRowFactors, type QroarVariant } from '../../lib/qroar/transform';
import type { Band, RopeConfig } from '../../lib/rope/types';
import { createNodeEngine } from '../engine/nodeRunner';
import type { ScenarioModel } from './model';

export interface QroarSetting {
  variant: QroarVariant;
  bands: readonly Band[];
  /** Global band scales [bands], each > 0. */
  scales: ArrayLike<number>;
}

/** Row factors of q_proj/k_proj for a global scale vector (same for every layer). */
export function qroarFactors(spec: ModelSpec, q: QroarSetting): QroarRowFactors {
  return qroarRowFactors({
    variant: q.variant,
    bandScales: q.scales,
    bands: q.bands,
    layout: spec.pairLayout,
    numHeads: spec.numHeads,
    numKvHeads: spec.numKvHeads,
    headDim: spec.headDim,
    rotaryDim: spec.rope.rotaryDim,
  });
}

/** assembleDecoderWeights `preQuant` hook scaling copies of W_Q/W_K (and biases) by `factors`. */
export function qroarPreQuantHook(factors: QroarRowFactors): NonNullable<AssembleOptions['preQuant']> {
  return (_layer, key, weight, bias) => {
    if (key !== 'q' && key !== 'k') return { weight, bias };
    const f = factors[key];
    const w = weight.slice();
    scaleRowsInPlace(w, f.length, w.length / f.length, f);
    const b = bias?.slice();
    if (b) scaleRowsInPlace(b, f.length, 1, f);
    return { weight: w, bias: b };
  };
}

/** Decoder weights: full precision when rtn is absent; Q-ROAR scaling applied before RTN. */
export function scenarioWeights(model: ScenarioModel, opts: { rtn?: RtnOptions; qroar?: QroarSetting }): Promise<DecoderWeights> {
  const preQuant = opts.qroar ? qroarPreQuantHook(qroarFactors(model.spec, opts.qroar)) : undefined;
  return assembleDecoderWeights(model.spec, (n) => model.tensorF32(n), { rtn: opts.rtn, quantFormat: 'fake', preQuant });
}

/** One window `ids` (length = graph length) with q/k taps of `tapLayers`. */
export async function runTappedWindow(
  spec: ModelSpec,
  weights: DecoderWeights,
  rope: RopeConfig,
  ids: Int32Array,
  opts: { tapLayers: number[]; kvQuant?: GraphKvQuant },
): Promise<NllEngineOutput> {
  const engine = await createNodeEngine(buildLlamaGraph(spec, weights, { seqLen: ids.length, tapLayers: opts.tapLayers, kvQuant: opts.kvQuant }));
  try {
    const { cos, sin } = graphRopeInputs(rope, ids.length);
    return await engine.run({ ids, cos, sin });
  } finally {
    await engine.dispose();
  }
}

/** Mean NLL of the first `windows` whole windows of `context` tokens (lib/eval/perplexity). */
export async function windowedNll(
  spec: ModelSpec,
  weights: DecoderWeights,
  rope: RopeConfig,
  tokens: Int32Array,
  context: number,
  windows: number,
  kvQuant?: GraphKvQuant,
): Promise<ContextPerplexity> {
  const [result] = await evaluatePerplexity({
    tokens,
    contexts: [context],
    maxWindows: windows,
    prepare: async (c) => {
      const engine = await createNodeEngine(buildLlamaGraph(spec, weights, { seqLen: c, kvQuant }));
      const { cos, sin } = graphRopeInputs(rope, c);
      return { engine, cos, sin, release: () => engine.dispose() };
    },
  });
  return result;
}

/** The tap `name` of an engine output, or an error naming what the graph did return. */
export function tapOf(out: NllEngineOutput, name: string): Float32Array {
  const t = out.taps?.[name];
  if (!t) throw new Error(`graph output has no tap '${name}' (has ${Object.keys(out.taps ?? {}).join(', ') || 'none'})`);
  return t;
}
