import { describe, expect, it } from 'vitest';
import {
  defaultInvFreqRadPerToken,
  dynamicNtkBase,
  longropeAttentionFactor,
  ntkScaledBase,
  wavelengthsTokens,
  wavelengthTokens,
  yarnAttentionFactor,
  yarnCorrectionDim,
  yarnCorrectionRange,
  yarnRamp,
} from './math';

// Test vectors: SPEC §2 and REFERENCE §15 (d_r 128, b 1e4, L0 4096).
describe('RoPE closed forms (REFERENCE §15 vectors)', () => {
  it('YaRN correction dims: raw 20.944 / 45.027 → (20, 46)', () => {
    expect(yarnCorrectionDim(32, 128, 1e4, 4096)).toBeCloseTo(20.944, 3);
    expect(yarnCorrectionDim(1, 128, 1e4, 4096)).toBeCloseTo(45.027, 3);
    expect(yarnCorrectionRange({ betaFast: 32, betaSlow: 1, rotaryDim: 128, thetaBase: 1e4, originalWindowTokens: 4096 })).toEqual({ low: 20, high: 46 });
    const untruncated = yarnCorrectionRange({ betaFast: 32, betaSlow: 1, rotaryDim: 128, thetaBase: 1e4, originalWindowTokens: 4096, truncate: false });
    expect(untruncated.low).toBeCloseTo(20.944, 3);
    expect(untruncated.high).toBeCloseTo(45.027, 3);
  });

  it('YaRN correction range clamps to [0, d_r − 1]', () => {
    // Tiny window: c(32) < 0 → 0. Huge window: c(1) > d_r − 1 → d_r − 1.
    expect(yarnCorrectionRange({ betaFast: 32, betaSlow: 1, rotaryDim: 8, thetaBase: 1e4, originalWindowTokens: 16 }).low).toBe(0);
    expect(yarnCorrectionRange({ betaFast: 32, betaSlow: 1, rotaryDim: 8, thetaBase: 10, originalWindowTokens: 1e9 }).high).toBe(7);
  });

  it('YaRN attention factor s = 2/4/8/16 → 1.06931/1.13863/1.20794/1.27726', () => {
    const want = [1.06931, 1.13863, 1.20794, 1.27726];
    [2, 4, 8, 16].forEach((s, k) => expect(yarnAttentionFactor(s)).toBeCloseTo(want[k], 5));
    expect(yarnAttentionFactor(1)).toBe(1);
    expect(yarnAttentionFactor(0.5)).toBe(1);
    expect(yarnAttentionFactor(4, { attentionFactor: 0.7 })).toBe(0.7);
    // DeepSeek style: both set → ratio; mscale == mscale_all_dim → 1.
    expect(yarnAttentionFactor(40, { mscale: 0.707, mscaleAllDim: 0.707 })).toBe(1);
    expect(yarnAttentionFactor(40, { mscale: 1, mscaleAllDim: 0.5 })).toBeCloseTo((0.1 * Math.log(40) + 1) / (0.05 * Math.log(40) + 1), 12);
    // Only one set → HF falls back to get_mscale(s).
    expect(yarnAttentionFactor(4, { mscale: 2 })).toBeCloseTo(1.13863, 5);
  });

  it('static NTK base s = 2/4/8 → 20221.26 / 40889.94 / 82684.62', () => {
    expect(ntkScaledBase(1e4, 2, 128)).toBeCloseTo(20221.26, 1);
    expect(ntkScaledBase(1e4, 4, 128)).toBeCloseTo(40889.94, 1);
    expect(ntkScaledBase(1e4, 8, 128)).toBeCloseTo(82684.62, 1);
  });

  it('dynamic NTK base (s 2, 8192) 30527.74; (s 2, 6000) 19499.28; (s 4, 16384) 135401.97', () => {
    expect(dynamicNtkBase(1e4, 2, 128, 8192, 4096)).toBeCloseTo(30527.74, 1);
    expect(dynamicNtkBase(1e4, 2, 128, 6000, 4096)).toBeCloseTo(19499.28, 1);
    expect(dynamicNtkBase(1e4, 4, 128, 16384, 4096)).toBeCloseTo(135401.97, 1);
    // Inside the window the base is unchanged (seq = max(len, L)).
    expect(dynamicNtkBase(1e4, 4, 128, 100, 4096)).toBeCloseTo(1e4, 9);
  });

  it('wavelengths λ_0 = 6.28, λ_63 ≈ 54,410, 18 pairs with λ > 4096', () => {
    const inv = defaultInvFreqRadPerToken(1e4, 128);
    const lambda = wavelengthsTokens(inv);
    expect(lambda[0]).toBeCloseTo(6.2832, 4);
    expect(lambda[63]).toBeGreaterThan(54400);
    expect(lambda[63]).toBeLessThan(54420);
    expect(lambda.filter((x) => x > 4096).length).toBe(18);
    expect(wavelengthTokens(1)).toBeCloseTo(2 * Math.PI, 12);
  });

  it('inv freqs are b^(−2i/d_r): θ_0 = 1, θ_32 = 0.01 for b 1e4, d_r 128', () => {
    const inv = defaultInvFreqRadPerToken(1e4, 128);
    expect(inv.length).toBe(64);
    expect(inv[0]).toBe(1);
    expect(inv[32]).toBeCloseTo(0.01, 14);
    expect(() => defaultInvFreqRadPerToken(1e4, 7)).toThrow(/even/);
  });

  it('yarn ramp is 0 up to low, 1 from high, linear between; low == high nudges by 0.001', () => {
    const r = yarnRamp(2, 6, 8);
    expect(Array.from(r)).toEqual([0, 0, 0, 0.25, 0.5, 0.75, 1, 1]);
    expect(Array.from(yarnRamp(3, 3, 5))).toEqual([0, 0, 0, 0, 1]);
  });

  it('longrope attention factor √(1 + ln s / ln L0); 1 when s ≤ 1', () => {
    expect(longropeAttentionFactor(32, 4096)).toBeCloseTo(Math.sqrt(1 + Math.log(32) / Math.log(4096)), 14);
    expect(longropeAttentionFactor(1, 4096)).toBe(1);
    expect(longropeAttentionFactor(32, 4096, 1.5)).toBe(1.5);
  });
});
