import { describe, expect, it } from 'vitest';
import { RopeConfigError } from './errors';
import { resolveScalingFactor, ropeFrequencies } from './frequencies';
import { ropeConfigFromHfConfig } from './parseHf';

const llamaBase = { hidden_size: 4096, num_attention_heads: 32, max_position_embeddings: 4096, rope_theta: 10000 };

describe('ropeConfigFromHfConfig', () => {
  it('plain config (rope_scaling null): default, head_dim from hidden_size/heads', () => {
    expect(ropeConfigFromHfConfig({ ...llamaBase, rope_scaling: null })).toEqual({
      type: 'default',
      thetaBase: 10000,
      headDim: 128,
      rotaryDim: 128,
      maxPositionEmbeddings: 4096,
    });
  });

  it('the built-in model config shape (explicit head_dim)', () => {
    const rope = ropeConfigFromHfConfig({
      hidden_size: 256,
      num_attention_heads: 4,
      head_dim: 64,
      max_position_embeddings: 256,
      rope_theta: 10000.0,
      rope_scaling: null,
    });
    expect(rope.headDim).toBe(64);
    expect(rope.rotaryDim).toBe(64);
  });

  it('explicit head_dim wins over hidden_size/heads (Gemma-like)', () => {
    expect(ropeConfigFromHfConfig({ ...llamaBase, head_dim: 256 }).headDim).toBe(256);
  });

  it('4.x rope_scaling with `type` and with `rope_type`', () => {
    const a = ropeConfigFromHfConfig({ ...llamaBase, rope_scaling: { type: 'linear', factor: 2 } });
    expect(a.type).toBe('linear');
    expect(a.factor).toBe(2);
    const b = ropeConfigFromHfConfig({ ...llamaBase, rope_scaling: { rope_type: 'dynamic', factor: 4 } });
    expect(b.type).toBe('dynamic');
  });

  it('Llama-3.1 4.x config', () => {
    const rope = ropeConfigFromHfConfig({
      hidden_size: 4096,
      num_attention_heads: 32,
      max_position_embeddings: 131072,
      rope_theta: 500000,
      rope_scaling: { factor: 8.0, low_freq_factor: 1.0, high_freq_factor: 4.0, original_max_position_embeddings: 8192, rope_type: 'llama3' },
    });
    expect(rope).toMatchObject({ type: 'llama3', factor: 8, lowFreqFactor: 1, highFreqFactor: 4, originalMaxPositionEmbeddings: 8192, thetaBase: 500000 });
  });

  it('5.x rope_parameters holds rope_theta, partial_rotary_factor and L0', () => {
    const rope = ropeConfigFromHfConfig({
      hidden_size: 2048,
      num_attention_heads: 16,
      max_position_embeddings: 32768,
      rope_theta: 1,
      rope_parameters: {
        rope_type: 'yarn',
        rope_theta: 1e6,
        factor: 4,
        original_max_position_embeddings: 8192,
        partial_rotary_factor: 0.5,
        beta_fast: 16,
        truncate: false,
      },
    });
    expect(rope).toMatchObject({
      type: 'yarn',
      thetaBase: 1e6,
      headDim: 128,
      rotaryDim: 64,
      factor: 4,
      originalMaxPositionEmbeddings: 8192,
      betaFast: 16,
      truncate: false,
    });
  });

  it('5.x per-layer-type rope_parameters: the full_attention entry is used', () => {
    const rope = ropeConfigFromHfConfig({
      ...llamaBase,
      rope_parameters: { full_attention: { rope_type: 'linear', factor: 8, rope_theta: 1e6 }, sliding_attention: { rope_type: 'default', rope_theta: 1e4 } },
    });
    expect(rope).toMatchObject({ type: 'linear', factor: 8, thetaBase: 1e6 });
  });

  it('precedence: factor given → s = factor even when L0 is given; absent → s = max/L0; L0 default = max', () => {
    const withFactor = ropeConfigFromHfConfig({
      ...llamaBase,
      max_position_embeddings: 32768,
      rope_scaling: { type: 'yarn', factor: 2, original_max_position_embeddings: 4096 },
    });
    expect(resolveScalingFactor(withFactor)).toBe(2);
    const noFactor = ropeConfigFromHfConfig({
      ...llamaBase,
      max_position_embeddings: 32768,
      rope_scaling: { type: 'yarn', original_max_position_embeddings: 4096 },
    });
    expect(resolveScalingFactor(noFactor)).toBe(8);
    expect(ropeFrequencies(noFactor).attentionFactor).toBeCloseTo(1.20794, 5);
    const noL0 = ropeConfigFromHfConfig({ ...llamaBase, rope_scaling: { type: 'yarn', factor: 4 } });
    expect(noL0.originalMaxPositionEmbeddings).toBeUndefined();
  });

  it('Phi-3 style: longrope (and its old name su), L0 at top level', () => {
    const short = Array(48).fill(1);
    const long = Array(48).fill(2);
    const rope = ropeConfigFromHfConfig({
      hidden_size: 3072,
      num_attention_heads: 32,
      max_position_embeddings: 131072,
      original_max_position_embeddings: 4096,
      rope_theta: 10000,
      rope_scaling: { type: 'su', short_factor: short, long_factor: long },
    });
    expect(rope).toMatchObject({ type: 'longrope', rotaryDim: 96, originalMaxPositionEmbeddings: 4096 });
    expect(resolveScalingFactor(rope)).toBe(32);
  });

  it('errors a person understands', () => {
    const err = (c: Record<string, unknown>): string => {
      try {
        ropeConfigFromHfConfig(c);
      } catch (e) {
        expect(e).toBeInstanceOf(RopeConfigError);
        return (e as Error).message;
      }
      throw new Error('did not throw');
    };
    expect(err({ ...llamaBase, rope_scaling: { type: 'wibble', factor: 2 } })).toMatch(/unknown rope type 'wibble'/);
    expect(err({ ...llamaBase, rope_scaling: { type: 'linear', factor: -2 } })).toMatch(/factor must be > 0, got -2/);
    expect(err({ ...llamaBase, rope_scaling: { type: 'linear', factor: 0 } })).toMatch(/got 0/);
    expect(err({ ...llamaBase, hidden_size: 4000, num_attention_heads: 48 })).toMatch(/4000 is not divisible by num_attention_heads 48/);
    expect(err({ ...llamaBase, partial_rotary_factor: 39 / 128 })).toMatch(/not a positive even number/);
    expect(err({ ...llamaBase, head_dim: 63 })).toMatch(/63/);
    expect(err({ hidden_size: 4096, num_attention_heads: 32 })).toMatch(/max_position_embeddings/);
    expect(err({ ...llamaBase, rope_scaling: { type: 'llama3', factor: 8 } })).toMatch(/low_freq_factor/);
    expect(err({ ...llamaBase, rope_scaling: { type: 'linear' } })).toMatch(/needs a 'factor'/);
    expect(err({ ...llamaBase, rope_theta: 'big' })).toMatch(/rope_theta must be a number/);
  });
});
