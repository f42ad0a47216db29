import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { resolveScalingFactor, ropeFrequencies } from './frequencies';
import { defaultInvFreqRadPerToken } from './math';
import type { RopeConfig, RopeType } from './types';

const llama2: RopeConfig = { type: 'default', thetaBase: 1e4, headDim: 128, rotaryDim: 128, maxPositionEmbeddings: 4096 };

describe('ropeFrequencies — HF semantics per method', () => {
  it('default: θ_i = b^(−2i/d_r), attention factor 1', () => {
    const { invFreqRadPerToken, attentionFactor } = ropeFrequencies(llama2);
    expect(attentionFactor).toBe(1);
    expect(invFreqRadPerToken[0]).toBe(1);
    expect(invFreqRadPerToken[63]).toBeCloseTo(Math.pow(1e4, -126 / 128), 15);
  });

  it('linear: θ_i / s', () => {
    const inv = ropeFrequencies({ ...llama2, type: 'linear', factor: 4 }).invFreqRadPerToken;
    const base = defaultInvFreqRadPerToken(1e4, 128);
    for (let i = 0; i < 64; i++) expect(inv[i]).toBeCloseTo(base[i] / 4, 15);
  });

  it('ntk: θ_i of base 20221.26 for s 2 (fastest pair unchanged, slowest ≈ /s)', () => {
    const inv = ropeFrequencies({ ...llama2, type: 'ntk', factor: 2 }).invFreqRadPerToken;
    expect(inv[0]).toBe(1);
    expect(inv[1]).toBeCloseTo(Math.pow(20221.26, -2 / 128), 8);
    // b'^(−(d−2)/d) = b^(−(d−2)/d)/s exactly.
    expect(inv[63]).toBeCloseTo(defaultInvFreqRadPerToken(1e4, 128)[63] / 2, 15);
  });

  it('dynamic: base from the evaluated length (30527.74 at 8192, s 2); unchanged inside the window', () => {
    const rope: RopeConfig = { ...llama2, type: 'dynamic', factor: 2 };
    expect(ropeFrequencies(rope, { sequenceLengthTokens: 8192 }).invFreqRadPerToken[1]).toBeCloseTo(Math.pow(30527.74, -2 / 128), 8);
    expect(ropeFrequencies(rope, { sequenceLengthTokens: 6000 }).invFreqRadPerToken[1]).toBeCloseTo(Math.pow(19499.28, -2 / 128), 8);
    const inside = ropeFrequencies(rope, { sequenceLengthTokens: 1000 }).invFreqRadPerToken;
    expect(Array.from(inside)).toEqual(Array.from(defaultInvFreqRadPerToken(1e4, 128)));
    expect(Array.from(ropeFrequencies(rope).invFreqRadPerToken)).toEqual(Array.from(inside));
  });

  it('yarn (d_r 128, b 1e4, L0 4096): pairs ≤ 20 unchanged, ≥ 46 divided by s, ramp between; factor 1.13863 at s 4', () => {
    const rope: RopeConfig = { ...llama2, type: 'yarn', factor: 4, maxPositionEmbeddings: 16384, originalMaxPositionEmbeddings: 4096 };
    const { invFreqRadPerToken: inv, attentionFactor } = ropeFrequencies(rope);
    const base = defaultInvFreqRadPerToken(1e4, 128);
    expect(attentionFactor).toBeCloseTo(1.13863, 5);
    for (let i = 0; i <= 20; i++) expect(inv[i]).toBe(base[i]);
    for (let i = 46; i < 64; i++) expect(inv[i]).toBeCloseTo(base[i] / 4, 15);
    // Pair 33: ρ = 13/26 = 0.5 → θ(0.5/4 + 0.5).
    expect(inv[33]).toBeCloseTo(base[33] * (0.5 / 4 + 0.5), 15);
    const factors = [2, 4, 8, 16].map((s) => ropeFrequencies({ ...rope, factor: s }).attentionFactor);
    [1.06931, 1.13863, 1.20794, 1.27726].forEach((want, k) => expect(factors[k]).toBeCloseTo(want, 5));
  });

  it('yarn with neither factor nor L0 is refused; L0 absent → correction range from max_position_embeddings', () => {
    expect(() => ropeFrequencies({ ...llama2, type: 'yarn' })).toThrow(/factor/);
    const a = ropeFrequencies({ ...llama2, type: 'yarn', factor: 4 }).invFreqRadPerToken;
    const b = ropeFrequencies({ ...llama2, type: 'yarn', factor: 4, maxPositionEmbeddings: 999, originalMaxPositionEmbeddings: 4096 }).invFreqRadPerToken;
    expect(Array.from(a)).toEqual(Array.from(b));
  });

  it('Llama-3.1 (b 5e5, factor 8, 1/4, L0 8192): pairs 0–28 unchanged, 29–34 blended, 35–63 divided by 8', () => {
    const rope: RopeConfig = {
      type: 'llama3',
      thetaBase: 5e5,
      headDim: 128,
      rotaryDim: 128,
      maxPositionEmbeddings: 131072,
      originalMaxPositionEmbeddings: 8192,
      factor: 8,
      lowFreqFactor: 1,
      highFreqFactor: 4,
    };
    const inv = ropeFrequencies(rope).invFreqRadPerToken;
    const base = defaultInvFreqRadPerToken(5e5, 128);
    for (let i = 0; i <= 28; i++) expect(inv[i]).toBe(base[i]);
    for (let i = 29; i <= 34; i++) {
      expect(inv[i]).toBeLessThan(base[i]);
      expect(inv[i]).toBeGreaterThan(base[i] / 8);
    }
    for (let i = 35; i < 64; i++) expect(inv[i]).toBeCloseTo(base[i] / 8, 18);
  });

  it('longrope: short factors up to L0, long past it; attention factor √(1 + ln s/ln L0)', () => {
    const short = Array.from({ length: 4 }, (_, i) => 1 + i * 0.1);
    const long = Array.from({ length: 4 }, (_, i) => 2 + i);
    const rope: RopeConfig = {
      type: 'longrope',
      thetaBase: 1e4,
      headDim: 8,
      rotaryDim: 8,
      maxPositionEmbeddings: 131072,
      originalMaxPositionEmbeddings: 4096,
      shortFactor: short,
      longFactor: long,
    };
    const base = defaultInvFreqRadPerToken(1e4, 8);
    const atShort = ropeFrequencies(rope, { sequenceLengthTokens: 4096 });
    const atLong = ropeFrequencies(rope, { sequenceLengthTokens: 4097 });
    for (let i = 0; i < 4; i++) {
      expect(atShort.invFreqRadPerToken[i]).toBeCloseTo(base[i] / short[i], 15);
      expect(atLong.invFreqRadPerToken[i]).toBeCloseTo(base[i] / long[i], 15);
    }
    // s from max/original = 32 (no factor given).
    expect(atShort.attentionFactor).toBeCloseTo(Math.sqrt(1 + Math.log(32) / Math.log(4096)), 14);
  });

  it("GGUF freqFactors divide θ' per pair", () => {
    const ff = [1, 2, 4, 8];
    const inv = ropeFrequencies({
      type: 'linear',
      factor: 2,
      thetaBase: 1e4,
      headDim: 8,
      rotaryDim: 8,
      maxPositionEmbeddings: 64,
      freqFactors: ff,
    }).invFreqRadPerToken;
    const base = defaultInvFreqRadPerToken(1e4, 8);
    for (let i = 0; i < 4; i++) expect(inv[i]).toBeCloseTo(base[i] / 2 / ff[i], 15);
  });

  it('precedence (transformers 5): s = factor when given, else max/original', () => {
    expect(resolveScalingFactor({ ...llama2, type: 'yarn', factor: 4, maxPositionEmbeddings: 32768, originalMaxPositionEmbeddings: 4096 })).toBe(4);
    expect(resolveScalingFactor({ ...llama2, type: 'yarn', maxPositionEmbeddings: 32768, originalMaxPositionEmbeddings: 4096 })).toBe(8);
    expect(resolveScalingFactor(llama2)).toBe(1);
  });

  it('refuses bad configs with the actual values in the message', () => {
    expect(() => ropeFrequencies({ ...llama2, rotaryDim: 63 })).toThrow(/63/);
    expect(() => ropeFrequencies({ ...llama2, rotaryDim: 256 })).toThrow(/exceeds head_dim 128/);
    expect(() => ropeFrequencies({ ...llama2, type: 'linear', factor: -2 })).toThrow(/-2/);
    expect(() => ropeFrequencies({ ...llama2, type: 'llama3', factor: 8 })).toThrow(/low_freq_factor/);
    expect(() => ropeFrequencies({ ...llama2, freqFactors: [1, 2] })).toThrow(/2 entries, expected .* 64/);
  });
});

describe('PI never raises a frequency (factor ≥ 1, every method)', () => {
  const methods: RopeType[] = ['linear', 'ntk', 'dynamic', 'yarn', 'llama3', 'longrope'];
  it("θ'_i ≤ θ_i", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...methods),
        fc.double({ min: 1, max: 64, noNaN: true }),
        fc.integer({ min: 2, max: 64 }).map((h) => 2 * h),
        fc.double({ min: 100, max: 1e6, noNaN: true }),
        fc.integer({ min: 16, max: 65536 }),
        fc.integer({ min: 1, max: 1 << 20 }),
        fc.array(fc.double({ min: 1, max: 40, noNaN: true }), { minLength: 64, maxLength: 64 }),
        (method, factor, rotaryDim, thetaBase, windowTokens, seqLen, extFactors) => {
          const rope: RopeConfig = {
            type: method,
            factor,
            thetaBase,
            headDim: rotaryDim,
            rotaryDim,
            maxPositionEmbeddings: windowTokens,
            originalMaxPositionEmbeddings: windowTokens,
            lowFreqFactor: 1,
            highFreqFactor: 4,
            shortFactor: extFactors.slice(0, rotaryDim / 2),
            longFactor: extFactors.slice(0, rotaryDim / 2).map((x) => x * 1.5),
          };
          const inv = ropeFrequencies(rope, { sequenceLengthTokens: seqLen }).invFreqRadPerToken;
          const base = defaultInvFreqRadPerToken(thetaBase, rotaryDim);
          for (let i = 0; i < inv.length; i++) if (!(inv[i] <= base[i] * (1 + 1e-12))) return false;
          return true;
        },
      ),
      { numRuns: 400, seed: 7 },
    );
  });
});
