import { describe, expect, it } from 'vitest';
import { ropeFrequencies } from './frequencies';
import { defaultInvFreqRadPerToken } from './math';
import { ropeConfigFromGgufMetadata } from './parseGguf';

const llamaMeta = {
  'general.architecture': 'llama',
  'llama.context_length': 4096,
  'llama.embedding_length': 4096,
  'llama.attention.head_count': 32,
  'llama.rope.dimension_count': 128,
  'llama.rope.freq_base': 10000,
};

describe('ropeConfigFromGgufMetadata', () => {
  it('plain llama GGUF → default', () => {
    expect(ropeConfigFromGgufMetadata(llamaMeta, 'llama')).toEqual({
      type: 'default',
      thetaBase: 10000,
      headDim: 128,
      rotaryDim: 128,
      maxPositionEmbeddings: 4096,
    });
  });

  it('bigint values, key_length, partial rotary via dimension_count', () => {
    const rope = ropeConfigFromGgufMetadata(
      {
        'phi2.context_length': 2048n,
        'phi2.attention.head_count': 32,
        'phi2.embedding_length': 2560,
        'phi2.attention.key_length': 80,
        'phi2.rope.dimension_count': 32,
      },
      'phi2',
    );
    expect(rope).toMatchObject({ headDim: 80, rotaryDim: 32, maxPositionEmbeddings: 2048, thetaBase: 10000 });
  });

  it('yarn scaling keys', () => {
    const rope = ropeConfigFromGgufMetadata(
      {
        ...llamaMeta,
        'llama.context_length': 16384,
        'llama.rope.scaling.type': 'yarn',
        'llama.rope.scaling.factor': 4,
        'llama.rope.scaling.original_context_length': 4096,
      },
      'llama',
    );
    expect(rope).toMatchObject({ type: 'yarn', factor: 4, originalMaxPositionEmbeddings: 4096 });
    expect(ropeFrequencies(rope).attentionFactor).toBeCloseTo(1.13863, 5);
  });

  it('legacy rope.scale_linear → linear', () => {
    expect(ropeConfigFromGgufMetadata({ ...llamaMeta, 'llama.rope.scale_linear': 2 }, 'llama')).toMatchObject({ type: 'linear', factor: 2 });
  });

  it('rope_freqs tensor → freqFactors dividing θ (Llama-3.1 GGUF)', () => {
    const ff = new Float32Array(64).fill(1);
    ff[63] = 8;
    const rope = ropeConfigFromGgufMetadata(llamaMeta, 'llama', ff);
    const inv = ropeFrequencies(rope).invFreqRadPerToken;
    expect(inv[63]).toBeCloseTo(defaultInvFreqRadPerToken(1e4, 128)[63] / 8, 18);
    expect(inv[0]).toBe(1);
  });

  it('errors', () => {
    expect(() => ropeConfigFromGgufMetadata({ ...llamaMeta, 'llama.rope.scaling.type': 'weird' }, 'llama')).toThrow(/unknown GGUF rope scaling type 'weird'/);
    expect(() => ropeConfigFromGgufMetadata({ ...llamaMeta, 'llama.attention.head_count': 48 }, 'llama')).toThrow(
      /4096 is not divisible by llama.attention.head_count 48/,
    );
    expect(() => ropeConfigFromGgufMetadata({ ...llamaMeta, 'llama.rope.scaling.type': 'linear', 'llama.rope.scaling.factor': -1 }, 'llama')).toThrow(/-1/);
    expect(() => ropeConfigFromGgufMetadata(llamaMeta, 'qwen2')).toThrow(/qwen2/);
    expect(() => ropeConfigFromGgufMetadata(llamaMeta, 'llama', new Float32Array(3))).toThrow(/3 entries/);
  });
});
