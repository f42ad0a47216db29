import { describe, expect, it } from 'vitest';
import { defaultSettings } from '../settings/settings';
import type { RopeConfig } from '../rope/types';
import { pressureChartData } from './pressure';

// The built-in model's RoPE (public/models/bandscope-byte-4m/config.json): head_dim 64, θ 1e4, L 256.
const builtin: RopeConfig = { type: 'default', thetaBase: 10000, headDim: 64, rotaryDim: 64, maxPositionEmbeddings: 256 };

describe('pressureChartData', () => {
  it('linear ×4: every pair fully interpolated, D_i = L′(θ_i − θ_i/4)/2π', () => {
    const s = { ...defaultSettings(), pi: { ...defaultSettings().pi, method: 'linear' as const, factor: 4 }, targetContextTokens: 1024 };
    const d = pressureChartData(builtin, s);
    expect(d.ipPerPair).toHaveLength(32);
    expect(d.trainedWindowTokens).toBe(256);
    for (let i = 0; i < 32; i++) expect(d.interpolatedFractionPerPair[i]).toBeCloseTo(1, 9);
    const theta5 = Math.pow(10000, -10 / 64);
    expect(d.displacementTurnsPerPair[5]).toBeCloseTo((1024 * (theta5 - theta5 / 4)) / (2 * Math.PI), 9);
    // ∂ln θ′/∂ln s = −1 for linear, so IP_i = L′θ′_i/2π
    expect(d.ipPerPair[5]).toBeCloseTo((1024 * theta5) / 4 / (2 * Math.PI), 6);
    expect(d.wavelengthTokens[0]).toBeCloseTo(2 * Math.PI, 12);
  });
  it('YaRN ×4: fast pairs untouched, slow pairs divided, 4 bands with their means', () => {
    const d = pressureChartData(builtin, { ...defaultSettings(), pi: { ...defaultSettings().pi, method: 'yarn', factor: 4 }, targetContextTokens: 1024 });
    expect(d.interpolatedFractionPerPair[0]).toBeCloseTo(0, 12);
    expect(d.interpolatedFractionPerPair[31]).toBeCloseTo(1, 9);
    expect(d.bands).toHaveLength(4);
    const b = d.bands[3];
    let sum = 0;
    for (let i = b.firstPair; i <= b.lastPair; i++) sum += d.ipPerPair[i];
    expect(d.ipPerBand[3]).toBeCloseTo(sum / (b.lastPair - b.firstPair + 1), 12);
  });
});
