// Architectures researchers bring (llama incl. tied + llama3 RoPE, mistral with explicit head_dim,
// qwen2 biases, qwen3 q/k norm, phi3 fused + partial rotary/longrope), each opened through openModel
// and run by the real engine (onnxruntime-node) against the independent float64 PyTorch forward of
// training/arch_reference.py, which also wrote the checkpoints. GGUF forms must give the same NLL.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { graphRopeInputs } from '../../lib/eval/ropeInputs';
import { byteSourceFromBytes } from '../../lib/model/byteSource';
import { openModel, type OpenedModel } from '../../lib/model/open';
import { assembleDecoderWeights } from '../../lib/onnx/assembleWeights';
import { buildLlamaGraph } from '../../lib/onnx/llamaGraph';
import { applyInterpolation } from '../../lib/rope/interpolation';
import { openModelAtPath } from '../io/nodeByteSource';
import { createNodeEngine } from './nodeRunner';
import { archFixtureAsGguf, archReference, ARCH_FIXTURE_DIR, type ArchRun } from './testing/archFixtures';

const reference = archReference();

async function engineNll(model: OpenedModel, run: ArchRun): Promise<Float32Array> {
  const { spec } = model;
  const weights = await assembleDecoderWeights(spec, (n) => model.tensorF32(n));
  const rope = applyInterpolation(spec.rope, { method: run.method, factor: run.factor });
  const engine = await createNodeEngine(buildLlamaGraph(spec, weights, { seqLen: run.tokens }));
  const { cos, sin } = graphRopeInputs(rope, run.tokens);
  const { nll } = await engine.run({ ids: Int32Array.from(reference.tokens.slice(0, run.tokens)), cos, sin });
  await engine.dispose();
  return nll;
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

const label = (r: ArchRun): string => `${r.method}${r.method === 'none' ? '' : ` ×${r.factor}`}, ${r.tokens} tokens`;

describe('architecture checkpoints vs the PyTorch reference (HF folders, onnxruntime-node)', () => {
  for (const [name, runs] of Object.entries(reference.cases)) {
    for (const run of runs) {
      it(`${name}: per-token NLL within 1e-4 (${label(run)})`, async () => {
        const opened = await openModelAtPath(join(ARCH_FIXTURE_DIR, name));
        try {
          expect(maxAbsDiff(await engineNll(opened.model, run), run.nll)).toBeLessThan(1e-4);
        } finally {
          await opened.close();
        }
      });
    }
  }

  it('the specs say what each checkpoint is', async () => {
    const specOf = async (name: string) => {
      const o = await openModelAtPath(join(ARCH_FIXTURE_DIR, name));
      await o.close();
      return o.model.spec;
    };
    expect((await specOf('llama-tied')).tieWordEmbeddings).toBe(true);
    expect((await specOf('llama3')).rope.type).toBe('llama3');
    expect((await specOf('qwen2-bias')).attentionBias).toBe(true);
    expect((await specOf('qwen2-bias')).slidingWindowTokens).toBeUndefined(); // use_sliding_window false
    expect((await specOf('qwen3-qknorm')).qkNorm).toBe(true);
    expect((await specOf('mistral-hd')).headDim).toBe(16);
    expect((await specOf('mistral-hd')).slidingWindowTokens).toBe(32);
    expect((await specOf('phi3-partial')).rope).toMatchObject({ type: 'longrope', headDim: 8, rotaryDim: 4 });
  });
});

describe('GGUF forms (llama.cpp names, fused attn_qkv/ffn_up, interleaved llama rows) give the reference NLL', () => {
  for (const name of ['phi3-fused', 'qwen3-qknorm', 'llama-tied', 'mistral-hd']) {
    it(`${name}.gguf`, async () => {
      const model = await openModel([byteSourceFromBytes(archFixtureAsGguf(name), `${name}.gguf`)]);
      expect(model.spec.pairLayout).toBe(name.startsWith('llama') || name.startsWith('mistral') ? 'interleaved' : 'half-split');
      for (const run of reference.cases[name]) expect(maxAbsDiff(await engineNll(model, run), run.nll), label(run)).toBeLessThan(1e-4);
    });
  }
});

describe('sliding window', () => {
  it('a context longer than sliding_window is refused with both numbers; within it runs (above)', async () => {
    const opened = await openModelAtPath(join(ARCH_FIXTURE_DIR, 'mistral-hd'));
    try {
      const { spec } = opened.model;
      const weights = await assembleDecoderWeights(spec, (n) => opened.model.tensorF32(n));
      expect(() => buildLlamaGraph(spec, weights, { seqLen: 33 })).toThrow(/33 tokens.*window of 32 tokens/);
      expect(() => buildLlamaGraph(spec, weights, { seqLen: 32 })).not.toThrow();
    } finally {
      await opened.close();
    }
  });
});
