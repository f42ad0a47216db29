// The LM head applied in vocabulary chunks (lib/onnx/lmHead.ts) under onnxruntime-node: the NLL of
// a many-chunk head equals the one-chunk head's and an independent float64 log-softmax of the
// graph's own logits; the built-in model's PyTorch fixture match (1e-4) is llamaGraph.fixture.test.ts.
import { beforeAll, describe, expect, it } from 'vitest';
import { graphRopeInputs } from '../../lib/eval/ropeInputs';
import type { ModelSpec } from '../../lib/model/spec';
import { assembleDecoderWeights } from '../../lib/onnx/assembleWeights';
import { buildLlamaGraph, type LlamaGraphOptions } from '../../lib/onnx/llamaGraph';
import { headVocabChunks } from '../../lib/onnx/lmHead';
import type { DecoderWeights } from '../../lib/onnx/weights';
import { createNodeEngine } from './nodeRunner';
import { builtinSpec, builtinTensors, fixtureIndex, readTokens } from './testing/builtin';
import { tolerance } from '../../lib/testing/tolerances';

const T = 128;
/** 37 vocabulary rows per chunk: 7 chunks over 256, the last one short (256 = 6·37 + 34). */
const CHUNKED = T * 4 * 37;

let spec: ModelSpec;
let untied: DecoderWeights;
let tied: DecoderWeights;
let ids: Int32Array;

beforeAll(async () => {
  spec = builtinSpec();
  const tensors = builtinTensors();
  untied = await assembleDecoderWeights(spec, async (n) => tensors.get(n)!);
  // A tied variant of the same model: lm_head is the embedding array itself.
  tied = { ...untied, lmHead: untied.embedTokens };
  ids = readTokens(fixtureIndex().texts[0].file).subarray(0, T);
});

async function run(weights: DecoderWeights, opts: Partial<LlamaGraphOptions>) {
  const graph = buildLlamaGraph(spec, weights, { seqLen: T, ...opts });
  const engine = await createNodeEngine(graph, { intraOpThreads: 1 });
  try {
    const { cos, sin } = graphRopeInputs(spec.rope, T);
    return { graph, out: await engine.run({ ids, cos, sin }) };
  } finally {
    await engine.dispose();
  }
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/** −log softmax(logits[t])[ids[t+1]] in float64, t = 0…T−2. */
function referenceNll(logits: Float32Array, vocab: number): Float64Array {
  const out = new Float64Array(T - 1);
  for (let t = 0; t < T - 1; t++) {
    let max = -Infinity;
    for (let v = 0; v < vocab; v++) max = Math.max(max, logits[t * vocab + v]);
    let sum = 0;
    for (let v = 0; v < vocab; v++) sum += Math.exp(logits[t * vocab + v] - max);
    out[t] = max + Math.log(sum) - logits[t * vocab + ids[t + 1]];
  }
  return out;
}

describe('headVocabChunks', () => {
  it('caps T × rows × 4 bytes by the budget, covers the vocabulary once, ≥ 1 row', () => {
    expect(headVocabChunks(128, 256, CHUNKED).map((c) => c.endRow - c.startRow)).toEqual([37, 37, 37, 37, 37, 37, 34]);
    expect(headVocabChunks(1024, 128256, 64 * 1024 * 1024)).toHaveLength(8);
    expect(headVocabChunks(4, 10, 1)).toHaveLength(10);
    expect(headVocabChunks(4, 10, 1e9)).toEqual([{ startRow: 0, endRow: 10 }]);
  });
});

const SAME_TOL = tolerance('same-function-nll', 'float32', 'cpu');

describe('chunked LM head (onnxruntime-node, CPU)', () => {
  for (const [label, weights] of [
    ['untied', () => untied],
    ['tied', () => tied],
  ] as const) {
    it(`${label}: 7 chunks give the one-chunk NLL and logits within ${SAME_TOL}, and the float64 log-softmax of those logits`, async () => {
      const one = await run(weights(), { logits: true });
      const many = await run(weights(), { logits: true, headBudgetBytes: CHUNKED });
      expect(one.graph.vocabChunkRows).toBe(256);
      expect(many.graph.vocabChunkRows).toBe(37);
      expect(maxAbsDiff(many.out.nll, one.out.nll)).toBeLessThan(SAME_TOL);
      expect(maxAbsDiff(many.out.logits!, one.out.logits!)).toBeLessThan(SAME_TOL);
      expect(maxAbsDiff(many.out.nll, referenceNll(many.out.logits!, spec.vocabSize))).toBeLessThan(SAME_TOL);
      // Without logits the NLL is the same (the head never needed the [T, vocab] tensor).
      const nllOnly = await run(weights(), { headBudgetBytes: CHUNKED });
      expect(nllOnly.graph.outputNames).not.toContain('logits');
      expect(maxAbsDiff(nllOnly.out.nll, many.out.nll)).toBeLessThan(tolerance('identical-ops-nll', 'float32', 'cpu'));
    });
  }

  it('stores a tied embedding once: the tied graph is smaller by one [vocab, hidden] float32 matrix', () => {
    const matrixBytes = spec.vocabSize * spec.hiddenSize * 4;
    for (const budget of [undefined, CHUNKED]) {
      const a = buildLlamaGraph(spec, untied, { seqLen: T, headBudgetBytes: budget }).modelBytes.length;
      const b = buildLlamaGraph(spec, tied, { seqLen: T, headBudgetBytes: budget }).modelBytes.length;
      // Names and node headers differ a little between the layouts; the matrix is the bulk.
      expect(Math.abs(a - b - matrixBytes)).toBeLessThan(8 * 1024);
    }
  });
});
