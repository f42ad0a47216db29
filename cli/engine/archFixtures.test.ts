// Architectures researchers bring (llama incl. tied + llama3 RoPE, mistral with explicit head_dim,
// qwen2 biases, qwen3 q/k norm, phi3 fused + partial rotary/longrope), each opened through openModel
// and run by the real engine (onnxruntime-node) against the independent float64 PyTorch forward of
// training/arch_reference.py, which also wrote the checkpoints. GGUF forms must give the same NLL.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { graphRopeInputs } from '../../lib/eval/ropeInputs';
import { byteSourceFromBytes } from '../../lib/model/byteSource';
import { openModel, type OpenedModel } from '../../lib/model/open';
import { f32Bytes, writeSafetensors, type TensorToWrite } from '../../lib/model/testing/safetensorsWriter';
import { assembleDecoderWeights } from '../../lib/onnx/assembleWeights';
import { buildLlamaGraph } from '../../lib/onnx/llamaGraph';
import { applyInterpolation } from '../../lib/rope/interpolation';
import { patchedQkTensors } from '../../lib/scenario/searchExport';
import { bandsFromPairRanges } from '../../lib/scenario/weights';
import { openModelAtPath } from '../io/nodeByteSource';
import { createNodeEngine } from './nodeRunner';
import { archFixtureAsGguf, archReference, ARCH_FIXTURE_DIR, type ArchRun } from './testing/archFixtures';
import { tolerance } from '../../lib/testing/tolerances';

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

const NLL_TOL = tolerance('per-token-nll', 'float32', 'cpu');
const label = (r: ArchRun): string => `${r.method}${r.method === 'none' ? '' : ` ×${r.factor}`}, ${r.tokens} tokens`;

describe('architecture checkpoints vs the PyTorch reference (HF folders, onnxruntime-node)', () => {
  for (const [name, runs] of Object.entries(reference.cases)) {
    for (const run of runs) {
      it(`${name}: per-token NLL within ${NLL_TOL} (${label(run)})`, async () => {
        const opened = await openModelAtPath(join(ARCH_FIXTURE_DIR, name));
        try {
          expect(maxAbsDiff(await engineNll(opened.model, run), run.nll)).toBeLessThan(NLL_TOL);
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

describe('the tied llama re-saved as transformers may save it: only lm_head.weight, __metadata__ naming embed_tokens', () => {
  it('gives the PyTorch reference NLL (the matrix read once under either name)', async () => {
    const opened = await openModelAtPath(join(ARCH_FIXTURE_DIR, 'llama-tied'));
    const tensors: TensorToWrite[] = [];
    try {
      for (const t of opened.model.tensors) {
        const name = t.name === 'model.embed_tokens.weight' ? 'lm_head.weight' : t.name;
        tensors.push({ name, dtype: 'F32', shape: t.shape, data: f32Bytes(await opened.model.tensorF32(t.name)) });
      }
    } finally {
      await opened.close();
    }
    const config = readFileSync(join(ARCH_FIXTURE_DIR, 'llama-tied', 'config.json'));
    const model = await openModel([
      byteSourceFromBytes(new Uint8Array(config), 'config.json'),
      byteSourceFromBytes(writeSafetensors(tensors, { format: 'pt', 'model.embed_tokens.weight': 'lm_head.weight' }), 'model.safetensors'),
    ]);
    expect(model.tensors.some((t) => t.name === 'model.embed_tokens.weight')).toBe(false);
    for (const run of reference.cases['llama-tied']) expect(maxAbsDiff(await engineNll(model, run), run.nll), label(run)).toBeLessThan(NLL_TOL);
  });
});

describe('GGUF forms (llama.cpp names, fused attn_qkv/ffn_up, interleaved llama rows) give the reference NLL', () => {
  for (const name of ['phi3-fused', 'qwen3-qknorm', 'llama-tied', 'mistral-hd']) {
    it(`${name}.gguf`, async () => {
      const model = await openModel([byteSourceFromBytes(archFixtureAsGguf(name), `${name}.gguf`)]);
      expect(model.spec.pairLayout).toBe(name.startsWith('llama') || name.startsWith('mistral') ? 'interleaved' : 'half-split');
      for (const run of reference.cases[name]) expect(maxAbsDiff(await engineNll(model, run), run.nll), label(run)).toBeLessThan(NLL_TOL);
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

describe('Q-ROAR export of a fused Phi-3', () => {
  it('patches the q/k rows of qkv_proj and keeps v (the file has no q_proj/k_proj to replace)', async () => {
    const opened = await openModelAtPath(join(ARCH_FIXTURE_DIR, 'phi3-fused'));
    try {
      const { model } = opened;
      const out = await patchedQkTensors(model.spec, (n) => model.tensorF32(n), {
        variant: 'shared',
        bands: bandsFromPairRanges([
          [0, 1],
          [2, 3],
        ]),
        scales: [2, 0.5],
      });
      expect(out.map((t) => [t.name, t.shape])).toEqual([0, 1].map((l) => [`model.layers.${l}.self_attn.qkv_proj.weight`, [64, 32]]));
      const fused = await model.tensorF32('model.layers.1.self_attn.qkv_proj.weight');
      // head_dim 8: q row 1 (pair 1, band 0) ×2; q row 4+8 (head 1, pair 0) ×2; k row 32+3 (pair 3) ×0.5; v rows unchanged.
      expect(out[1].data[1 * 32 + 5]).toBeCloseTo(fused[1 * 32 + 5] * 2, 6);
      expect(out[1].data[12 * 32]).toBeCloseTo(fused[12 * 32] * 2, 6);
      expect(out[1].data[35 * 32 + 7]).toBeCloseTo(fused[35 * 32 + 7] * 0.5, 6);
      expect(Array.from(out[1].data.subarray(48 * 32))).toEqual(Array.from(fused.subarray(48 * 32)));
    } finally {
      await opened.close();
    }
  });
});
