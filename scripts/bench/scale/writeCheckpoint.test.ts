import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openModelAtPath } from '../../../cli/io/nodeByteSource';
import { LLAMA_3_2_1B_SHAPE, SYNTHETIC_NOTE, tensorPlan, type CheckpointShape } from './shape';
import { shardPlan, writeSyntheticCheckpoint } from './writeCheckpoint';

const TINY: CheckpointShape = { ...LLAMA_3_2_1B_SHAPE, vocabSize: 300, hiddenSize: 64, intermediateSize: 96, numLayers: 2, numHeads: 4, numKvHeads: 2, headDim: 16 };
const root = mkdtempSync(join(tmpdir(), 'bandscope-scale-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('writeSyntheticCheckpoint', () => {
  // Small shards so the tiny model is sharded too and the index path is exercised.
  const dir = join(root, 'tiny');
  const first = writeSyntheticCheckpoint(dir, { shape: TINY, maxShardBytes: 40_000 });

  it('writes a sharded HF folder that the project loader opens with the configured spec', async () => {
    expect(first.written).toBe(true);
    expect(first.shards.length).toBeGreaterThan(1);
    expect(readdirSync(dir).sort()).toEqual(['README.md', 'bandscope_tokenizer.json', 'config.json', 'model.safetensors.index.json', ...first.shards].sort());
    const { model, close } = await openModelAtPath(dir);
    try {
      const { spec } = model;
      expect(spec).toMatchObject({ architecture: 'llama', vocabSize: 300, hiddenSize: 64, intermediateSize: 96, numLayers: 2, numHeads: 4, numKvHeads: 2, headDim: 16, rmsNormEps: 1e-5, tieWordEmbeddings: true });
      expect(spec.rope.type).toBe('llama3');
      expect(spec.rope.thetaBase).toBe(500000);
      expect(model.tokenizer.kind).toBe('bytes');
      expect(model.tensors.every((t) => t.dtype === 'BF16')).toBe(true);
      expect(model.tensors.map((t) => t.name).sort()).toEqual(tensorPlan(TINY).map((t) => t.name).sort());
      // Norms are exactly 1; the normal draws have std ≈ 0.02 and mean ≈ 0 (64×300 = 19200 draws).
      const norm = await model.tensorF32('model.layers.1.post_attention_layernorm.weight');
      expect(Array.from(norm).every((v) => v === 1)).toBe(true);
      const emb = await model.tensorF32('model.embed_tokens.weight');
      const mean = emb.reduce((s, v) => s + v, 0) / emb.length;
      const std = Math.sqrt(emb.reduce((s, v) => s + (v - mean) ** 2, 0) / emb.length);
      expect(Math.abs(mean)).toBeLessThan(0.001);
      expect(std).toBeGreaterThan(0.019);
      expect(std).toBeLessThan(0.021);
      // The tied head reads the embedding.
      expect(model.resolveTensorName('lm_head.weight')).toBe('model.embed_tokens.weight');
    } finally {
      await close();
    }
  });

  it('says in config.json and the README that the weights are random', () => {
    const config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as Record<string, unknown>;
    expect(config._bandscope_synthetic).toBe(SYNTHETIC_NOTE);
    expect(config.rope_scaling).toEqual({ rope_type: 'llama3', factor: 32, low_freq_factor: 1, high_freq_factor: 4, original_max_position_embeddings: 8192 });
    expect(readFileSync(join(dir, 'README.md'), 'utf8')).toContain(SYNTHETIC_NOTE);
  });

  it('is deterministic, and leaves a present checkpoint alone', () => {
    const again = writeSyntheticCheckpoint(join(root, 'tiny2'), { shape: TINY, maxShardBytes: 40_000 });
    for (const s of again.shards) expect(readFileSync(join(root, 'tiny2', s)).equals(readFileSync(join(dir, s)))).toBe(true);
    const before = readFileSync(join(dir, first.shards[0]));
    expect(writeSyntheticCheckpoint(dir, { shape: TINY, seed: 7, maxShardBytes: 40_000 }).written).toBe(false);
    expect(readFileSync(join(dir, first.shards[0])).equals(before)).toBe(true);
  });
});

describe('shardPlan', () => {
  it('gives the 1B shape three shards under 1 GiB each, in state_dict order, no lm_head (tied)', () => {
    const plan = tensorPlan(LLAMA_3_2_1B_SHAPE);
    expect(plan).toHaveLength(1 + 16 * 9 + 1);
    const params = plan.reduce((s, t) => s + t.shape.reduce((a, b) => a * b, 1), 0);
    // Llama-3.2-1B's published parameter count.
    expect(params).toBe(1_235_814_400);
    const shards = shardPlan(plan, 2 ** 30);
    expect(shards).toHaveLength(3);
    expect(shards.flat().map((t) => t.name)).toEqual(plan.map((t) => t.name));
  });
});
