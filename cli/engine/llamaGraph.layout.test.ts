// Both pairing layouts give the same NLL (SPEC §1), and streamed KL from real logits behaves.
import { beforeAll, describe, expect, it } from 'vitest';
import { assembleDecoderWeights } from '../../lib/onnx/assembleWeights';
import { buildLlamaGraph } from '../../lib/onnx/llamaGraph';
import { graphRopeInputs } from '../../lib/eval/ropeInputs';
import { streamingKl } from '../../lib/eval/kl';
import type { ModelSpec } from '../../lib/model/spec';
import type { DecoderWeights, F32Linear } from '../../lib/onnx/weights';
import { createNodeEngine } from './nodeRunner';
import { builtinSpec, builtinTensors, fixtureIndex, readTokens } from './testing/builtin';
import { tolerance } from '../../lib/testing/tolerances';

let spec: ModelSpec;
let fp32: DecoderWeights;
let fake: DecoderWeights;
const tokens = readTokens(fixtureIndex().texts[0].file);
const T = 128;

beforeAll(async () => {
  spec = builtinSpec();
  const tensors = builtinTensors();
  const source = async (n: string) => tensors.get(n)!;
  fp32 = await assembleDecoderWeights(spec, source);
  fake = await assembleDecoderWeights(spec, source, { rtn: { bits: 4, groupSize: 32, symmetric: false } });
});

/** Independent of weights.ts: half-split row (i, i+half) → interleaved rows (2i, 2i+1), per head. */
function toInterleaved(w: F32Linear, heads: number, headDim: number): F32Linear {
  const out = new Float32Array(w.weight.length);
  const half = headDim / 2;
  for (let h = 0; h < heads; h++) {
    for (let i = 0; i < half; i++) {
      const src = (r: number) => w.weight.subarray((h * headDim + r) * w.inFeatures, (h * headDim + r + 1) * w.inFeatures);
      out.set(src(i), (h * headDim + 2 * i) * w.inFeatures);
      out.set(src(i + half), (h * headDim + 2 * i + 1) * w.inFeatures);
    }
  }
  return { ...w, weight: out };
}

async function nllOf(s: ModelSpec, weights: DecoderWeights, logits = false) {
  const graph = buildLlamaGraph(s, weights, { seqLen: T, logits });
  const engine = await createNodeEngine(graph);
  const { cos, sin } = graphRopeInputs(s.rope, T);
  return { engine, cos, sin };
}

describe('pairing layout and KL', () => {
  it('interleaved (GGUF-style) q/k rows give the same NLL as half-split', async () => {
    const interleaved: DecoderWeights = {
      ...fp32,
      layers: fp32.layers.map((l) => ({
        ...l,
        q: toInterleaved(l.q as F32Linear, spec.numHeads, spec.headDim),
        k: toInterleaved(l.k as F32Linear, spec.numKvHeads, spec.headDim),
      })),
    };
    const a = await nllOf(spec, fp32);
    const b = await nllOf({ ...spec, pairLayout: 'interleaved' }, interleaved);
    const ids = tokens.subarray(0, T);
    const na = (await a.engine.run({ ids, cos: a.cos, sin: a.sin })).nll;
    const nb = (await b.engine.run({ ids, cos: b.cos, sin: b.sin })).nll;
    let m = 0;
    for (let i = 0; i < na.length; i++) m = Math.max(m, Math.abs(na[i] - nb[i]));
    expect(m).toBeLessThan(tolerance('same-function-nll', 'float32', 'cpu'));
    await a.engine.dispose();
    await b.engine.dispose();
  });

  it('streamed KL: 0 for identical models, > 0 and small for RTN w4g32a', async () => {
    const ref = await nllOf(spec, fp32, true);
    const same = await nllOf(spec, fp32, true);
    const q = await nllOf(spec, fake, true);
    const zero = await streamingKl({ tokens, context: T, vocabSize: spec.vocabSize, maxWindows: 2, reference: ref, test: same });
    expect(zero.windows).toBe(2);
    expect(zero.meanKl).toBeLessThan(1e-6);
    const kl = await streamingKl({ tokens, context: T, vocabSize: spec.vocabSize, maxWindows: 2, reference: ref, test: q });
    expect(kl.perPositionKl).toHaveLength(T);
    expect(kl.meanKl).toBeGreaterThan(1e-4);
    expect(kl.meanKl).toBeLessThan(1);
    for (const e of [ref, same, q]) await e.engine.dispose();
  });
});
