// Fixture test: our ONNX graph under onnxruntime-node vs the PyTorch reference (training/model.py).
import { beforeAll, describe, expect, it } from 'vitest';
import { assembleDecoderWeights } from '../../lib/onnx/assembleWeights';
import { buildLlamaGraph } from '../../lib/onnx/llamaGraph';
import { graphRopeInputs } from '../../lib/eval/ropeInputs';
import { applyInterpolation } from '../../lib/rope/interpolation';
import type { ModelSpec } from '../../lib/model/spec';
import type { DecoderWeights } from '../../lib/onnx/weights';
import { createNodeEngine } from './nodeRunner';
import { builtinSpec, builtinTensors, fixtureIndex, readF32, readTokens, type FixtureCase } from './testing/builtin';
import { tolerance } from '../../lib/testing/tolerances';

const W4G32A = { bits: 4, groupSize: 32, symmetric: false };
const NLL_TOL = tolerance('per-token-nll', 'float32', 'cpu');
const NBITS_TOL = tolerance('per-token-nll', 'nbits4', 'cpu');
const TAP_TOL = tolerance('taps', 'float32', 'cpu');

let spec: ModelSpec;
let fp32: DecoderWeights;
let fake: DecoderWeights;
let nbits: DecoderWeights;
const index = fixtureIndex();

beforeAll(async () => {
  spec = builtinSpec();
  const tensors = builtinTensors();
  const source = async (name: string) => {
    const t = tensors.get(name);
    if (!t) throw new Error(`missing ${name}`);
    return t;
  };
  fp32 = await assembleDecoderWeights(spec, source);
  fake = await assembleDecoderWeights(spec, source, { rtn: W4G32A, quantFormat: 'fake' });
  nbits = await assembleDecoderWeights(spec, source, { rtn: W4G32A, quantFormat: 'nbits' });
});

function ropeFor(c: Pick<FixtureCase, 'rope'>) {
  return applyInterpolation(spec.rope, { method: c.rope.method === 'default' ? 'none' : c.rope.method, factor: c.rope.factor });
}

async function runNll(weights: DecoderWeights, c: FixtureCase, budget?: number): Promise<Float32Array> {
  const graph = buildLlamaGraph(spec, weights, { seqLen: c.tokens, attentionBudgetBytes: budget });
  const engine = await createNodeEngine(graph);
  const ids = readTokens(index.texts[c.text].file).subarray(0, c.tokens);
  const { cos, sin } = graphRopeInputs(ropeFor(c), c.tokens);
  const { nll } = await engine.run({ ids, cos, sin });
  await engine.dispose();
  return nll;
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

describe('LLaMA graph vs PyTorch fixture (onnxruntime-node, CPU)', () => {
  for (const c of index.cases) {
    it(`per-token NLL within ${NLL_TOL}: ${c.id}`, async () => {
      const weights = c.quant === null ? fp32 : fake;
      if (c.quant !== null) expect(c.quant).toBe('rtn:w4g32a');
      const nll = await runNll(weights, c);
      expect(maxAbsDiff(nll, readF32(c.nll.file))).toBeLessThan(NLL_TOL);
    });
  }

  it(`MatMulNBits 4-bit path agrees with fake-quant within ${NBITS_TOL} (YaRN ×4, 1024 tokens)`, async () => {
    const c = index.cases.find((x) => x.id === 'text0-yarnx4-w4g32a')!;
    const viaNBits = await runNll(nbits, c);
    expect(maxAbsDiff(viaNBits, readF32(c.nll.file))).toBeLessThan(NBITS_TOL);
  });

  it('query chunking (256 KiB budget → 16-row chunks) does not change the result', async () => {
    const c = index.cases.find((x) => x.id === 'text1-dynamicx4-fp32')!;
    const chunked = await runNll(fp32, c, 256 * 1024);
    expect(maxAbsDiff(chunked, readF32(c.nll.file))).toBeLessThan(NLL_TOL);
  });

  for (const t of index.taps) {
    it(`layer-${t.layer} q/k taps within ${TAP_TOL}: ${t.id}`, async () => {
      const graph = buildLlamaGraph(spec, fp32, { seqLen: t.positions, tapLayers: [t.layer] });
      const engine = await createNodeEngine(graph);
      const ids = readTokens(index.texts[t.text].file).subarray(0, t.positions);
      const { cos, sin } = graphRopeInputs(ropeFor(t), t.positions);
      const out = await engine.run({ ids, cos, sin });
      await engine.dispose();
      for (const name of ['q_pre', 'k_pre', 'q_post', 'k_post']) {
        const got = out.taps?.[`${name}_${t.layer}`];
        expect(got, name).toBeDefined();
        expect(maxAbsDiff(got!, readF32(t.tensors[name].file)), name).toBeLessThan(TAP_TOL);
      }
    });
  }
});
