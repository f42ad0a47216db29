/**
 * CLI helpers around lib/scenario/weights: decoder weights with optional Q-ROAR scaling (scale
 * W_Q/W_K first, then RTN — SPEC §5) and optional RTN, and reading a tap off an engine output.
 * (`diagnose` and `search` run their graphs on the Node engine port, cli/engine/nodePort.)
 */
import type { NllEngineOutput } from '../../lib/eval/engine';
import type { DecoderWeights } from '../../lib/onnx/weights';
import type { RtnOptions } from '../../lib/quant/rtn';
import { scenarioDecoderWeights, type QroarSetting } from '../../lib/scenario/weights';
import type { ScenarioModel } from './model';

export { qroarFactors, qroarPreQuantHook, type QroarSetting } from '../../lib/scenario/weights';

/** Decoder weights: full precision when rtn is absent; Q-ROAR scaling applied before RTN (lib/scenario/weights). */
export function scenarioWeights(model: ScenarioModel, opts: { rtn?: RtnOptions; qroar?: QroarSetting }): Promise<DecoderWeights> {
  return scenarioDecoderWeights(model.spec, (n) => model.tensorF32(n), { rtn: opts.rtn, qroar: opts.qroar });
}

/** The tap `name` of an engine output, or an error naming what the graph did return. */
export function tapOf(out: NllEngineOutput, name: string): Float32Array {
  const t = out.taps?.[name];
  if (!t) throw new Error(`graph output has no tap '${name}' (has ${Object.keys(out.taps ?? {}).join(', ') || 'none'})`);
  return t;
}
