// Test-only: the built-in model's float32 weights assembled once, and one-window runs of the real
// graph (onnxruntime-node) at T tokens of a given token stream with any graph options.
import { graphRopeInputs } from '../../../lib/eval/ropeInputs';
import type { NllEngineOutput } from '../../../lib/eval/engine';
import type { ModelSpec } from '../../../lib/model/spec';
import { assembleDecoderWeights } from '../../../lib/onnx/assembleWeights';
import { buildLlamaGraph, type LlamaGraphOptions } from '../../../lib/onnx/llamaGraph';
import type { DecoderWeights } from '../../../lib/onnx/weights';
import { createNodeEngine } from '../nodeRunner';
import { builtinSpec, builtinTensors } from './builtin';

export interface BuiltinRunner {
  spec: ModelSpec;
  weights: DecoderWeights;
  /** Runs tokens[0, T) through a graph built with `opts` (default RoPE) and disposes it. */
  run(T: number, opts: Omit<LlamaGraphOptions, 'seqLen'>): Promise<NllEngineOutput>;
}

export async function builtinGraphRunner(tokens: Int32Array): Promise<BuiltinRunner> {
  const spec = builtinSpec();
  const tensors = builtinTensors();
  const weights = await assembleDecoderWeights(spec, async (n) => tensors.get(n)!);
  return {
    spec,
    weights,
    async run(T, opts) {
      const engine = await createNodeEngine(buildLlamaGraph(spec, weights, { seqLen: T, ...opts }));
      const { cos, sin } = graphRopeInputs(spec.rope, T);
      const out = await engine.run({ ids: tokens.subarray(0, T), cos, sin });
      await engine.dispose();
      return out;
    },
  };
}
