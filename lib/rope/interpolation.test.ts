import { describe, expect, it } from 'vitest';
import { ropeFrequencies } from './frequencies';
import { applyInterpolation } from './interpolation';
import type { RopeConfig } from './types';

const builtIn: RopeConfig = { type: 'default', thetaBase: 1e4, headDim: 64, rotaryDim: 64, maxPositionEmbeddings: 256 };

describe('applyInterpolation', () => {
  it("'none' returns the model's RoPE unchanged (a copy)", () => {
    const out = applyInterpolation(builtIn, { method: 'none', factor: 4 });
    expect(out).toEqual(builtIn);
    expect(out).not.toBe(builtIn);
  });

  it('yarn ×4 over a 256-token window → yarn, L0 256, s 4', () => {
    const out = applyInterpolation(builtIn, { method: 'yarn', factor: 4 });
    expect(out).toMatchObject({ type: 'yarn', factor: 4, originalMaxPositionEmbeddings: 256, maxPositionEmbeddings: 1024 });
    expect(ropeFrequencies(out).attentionFactor).toBeCloseTo(1.13863, 5);
  });

  it('dynamic keeps max_position_embeddings at the trained window (HF measures against it)', () => {
    const out = applyInterpolation(builtIn, { method: 'dynamic', factor: 2 });
    expect(out.maxPositionEmbeddings).toBe(256);
    const inv = ropeFrequencies(out, { sequenceLengthTokens: 512 }).invFreqRadPerToken;
    const b = 1e4 * Math.pow(2 * 2 - 1, 64 / 62);
    expect(inv[1]).toBeCloseTo(Math.pow(b, -2 / 64), 14);
  });

  it('llama3 defaults to Llama 3.1 low/high factors 1/4', () => {
    expect(applyInterpolation(builtIn, { method: 'llama3', factor: 8 })).toMatchObject({
      lowFreqFactor: 1,
      highFreqFactor: 4,
      originalMaxPositionEmbeddings: 256,
    });
  });

  it('keeps GGUF freqFactors beneath the new PI', () => {
    const ff = Array(32).fill(1);
    ff[31] = 2;
    const out = applyInterpolation({ ...builtIn, freqFactors: ff }, { method: 'linear', factor: 2 });
    expect(out.freqFactors).toEqual(ff);
  });

  it('refuses stacking, bad factors, and longrope without factors', () => {
    expect(() => applyInterpolation({ ...builtIn, type: 'linear', factor: 2 }, { method: 'yarn', factor: 4 })).toThrow(/already uses 'linear'/);
    expect(() => applyInterpolation(builtIn, { method: 'linear', factor: 0 })).toThrow(/got 0/);
    expect(() => applyInterpolation(builtIn, { method: 'linear', factor: -3 })).toThrow(/got -3/);
    expect(() => applyInterpolation(builtIn, { method: 'longrope', factor: 4 })).toThrow(/short and long factors/);
  });
});
