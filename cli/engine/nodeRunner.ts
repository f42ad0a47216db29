import * as ort from 'onnxruntime-node';
import { idsToInt64, type EngineGraph, type NllEngine, type NllEngineInput, type NllEngineOutput } from '../../lib/eval/engine';

/**
 * NllEngine over onnxruntime-node's CPU execution provider. One InferenceSession per graph;
 * `run` feeds input_ids [1, T], cos/sin [T, headDim] and returns the graph's outputs as
 * Float32Arrays (nll always; logits and taps when the graph has them).
 */
export async function createNodeEngine(graph: EngineGraph, opts: { intraOpThreads?: number } = {}): Promise<NllEngine> {
  const session = await ort.InferenceSession.create(graph.modelBytes, {
    executionProviders: ['cpu'],
    graphOptimizationLevel: 'all',
    intraOpNumThreads: opts.intraOpThreads ?? 0,
  });
  const seqLen = graph.seqLen;
  const headDimFromInput = (n: number) => n / seqLen;
  return {
    device: 'ort-node:cpu',
    seqLen,
    async run(input: NllEngineInput): Promise<NllEngineOutput> {
      if (input.ids.length !== seqLen) throw new Error(`ids has ${input.ids.length} tokens, the graph was built for ${seqLen}`);
      if (input.cos.length !== input.sin.length || input.cos.length % seqLen !== 0) {
        throw new Error(`cos/sin have ${input.cos.length}/${input.sin.length} values, expected [${seqLen}, headDim]`);
      }
      const headDim = headDimFromInput(input.cos.length);
      const feeds = {
        input_ids: new ort.Tensor('int64', idsToInt64(input.ids), [1, seqLen]),
        cos: new ort.Tensor('float32', input.cos, [seqLen, headDim]),
        sin: new ort.Tensor('float32', input.sin, [seqLen, headDim]),
      };
      const result = await session.run(feeds);
      const out: NllEngineOutput = { nll: result.nll.data as Float32Array };
      for (const name of graph.outputNames) {
        if (name === 'nll') continue;
        const data = result[name].data as Float32Array;
        if (name === 'logits') out.logits = data;
        else (out.taps ??= {})[name] = data;
      }
      return out;
    },
    async dispose() {
      await session.release();
    },
  };
}
