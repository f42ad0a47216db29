/**
 * Forward runs shared by `diagnose` and `search`: decoder weights with optional Q-ROAR scaling
 * (scale W_Q/W_K first, then RTN — SPEC §5) and optional RTN, one ONNX graph per length on
 * onnxruntime-node, single tapped windows. (The search's windowed runs: lib/scenario/search over
 * the Node engine port, cli/engine/nodePort.)
 */
import type { NllEngineOutput } from '../../lib/eval/engine';
import { graphRopeInputs } from '../../lib/eval/ropeInputs';
import type { ModelSpec } from '../../lib/model/spec';
import { buildLlamaGraph, type GraphKvQuant } from '../../lib/onnx/llamaGraph';
import type { DecoderWeights } from '../../lib/onnx/weights';
import type { RtnOptions } from '../../lib/quant/rtn';
import type { RopeConfig } from '../../lib/rope/types';
import { scenarioDecoderWeights, type QroarSetting } from '../../lib/scenario/weights';
import { createNodeEngine } from '../engine/nodeRunner';
import type { ScenarioModel } from './model';

export { qroarFactors, qroarPreQuantHook, type QroarSetting } from '../../lib/scenario/weights';

/** Decoder weights: full precision when rtn is absent; Q-ROAR scaling applied before RTN (lib/scenario/weights). */
export function scenarioWeights(model: ScenarioModel, opts: { rtn?: RtnOptions; qroar?: QroarSetting }): Promise<DecoderWeights> {
  return scenarioDecoderWeights(model.spec, (n) => model.tensorF32(n), { rtn: opts.rtn, qroar: opts.qroar });
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

/** The tap `name` of an engine output, or an error naming what the graph did return. */
export function tapOf(out: NllEngineOutput, name: string): Float32Array {
  const t = out.taps?.[name];
  if (!t) throw new Error(`graph output has no tap '${name}' (has ${Object.keys(out.taps ?? {}).join(', ') || 'none'})`);
  return t;
}
