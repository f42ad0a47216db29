import { describe, expect, it } from 'vitest';
import { bandsFor } from './bands';
import { defaultInvFreqRadPerToken } from './math';
import { analyticPressure, bandMeans } from './pressure';
import type { RopeConfig } from './types';

const builtIn: RopeConfig = { type: 'default', thetaBase: 1e4, headDim: 64, rotaryDim: 64, maxPositionEmbeddings: 256 };
const llama2: RopeConfig = { type: 'default', thetaBase: 1e4, headDim: 128, rotaryDim: 128, maxPositionEmbeddings: 4096 };

describe('analyticPressure', () => {
  it('default: IP = D = 0 everywhere', () => {
    const p = analyticPressure(builtIn, 1024);
    expect(p.ipTurns.every((x) => x === 0)).toBe(true);
    expect(p.displacementTurns.every((x) => x === 0)).toBe(true);
  });

  it("linear: ∂lnθ'/∂ln s = −1 so IP_i = L'θ'_i/2π; hand value at pair 0 (s 4, L' 1024)", () => {
    const rope: RopeConfig = { ...builtIn, type: 'linear', factor: 4, originalMaxPositionEmbeddings: 256 };
    const p = analyticPressure(rope);
    expect(p.targetLengthTokens).toBe(1024);
    const theta = defaultInvFreqRadPerToken(1e4, 64);
    for (let i = 0; i < 32; i++) expect(p.ipTurns[i]).toBeCloseTo((1024 * theta[i]) / 4 / (2 * Math.PI), 7);
    // Pair 0: 1024·0.25/2π = 40.7437 turns; D_0 = 1024·0.75/2π = 122.231 turns.
    expect(p.ipTurns[0]).toBeCloseTo(40.7437, 4);
    expect(p.displacementTurns[0]).toBeCloseTo(122.231, 4);
  });

  it("ntk: ∂lnθ'_i/∂ln s = −2i/(d_r−2)", () => {
    const rope: RopeConfig = { ...llama2, type: 'ntk', factor: 4 };
    const p = analyticPressure(rope, 16384);
    const bPrime = 1e4 * Math.pow(4, 128 / 126);
    for (let i = 0; i < 64; i++) {
      const thetaPrime = Math.pow(bPrime, (-2 * i) / 128);
      expect(p.ipTurns[i]).toBeCloseTo(((16384 / (2 * Math.PI)) * thetaPrime * 2 * i) / 126, 5);
    }
  });

  it("yarn: pairs ≤ low have IP 0 and D 0; ramp pair 33 (ρ 0.5) has IP = L'θ·ρ/(2π s)", () => {
    const rope: RopeConfig = { ...llama2, type: 'yarn', factor: 4 };
    const p = analyticPressure(rope);
    expect(p.targetLengthTokens).toBe(16384);
    for (let i = 0; i <= 20; i++) {
      expect(p.ipTurns[i]).toBe(0);
      expect(p.displacementTurns[i]).toBe(0);
    }
    const theta = defaultInvFreqRadPerToken(1e4, 128);
    expect(p.ipTurns[33]).toBeCloseTo((16384 * theta[33] * 0.5) / 4 / (2 * Math.PI), 6);
    expect(p.ipTurns[50]).toBeCloseTo((16384 * theta[50]) / 4 / (2 * Math.PI), 6);
  });

  it('bandMeans averages over each band', () => {
    const bands = bandsFor({ kind: 'equal-log', count: 2 }, { ...builtIn, headDim: 8, rotaryDim: 8 });
    expect(Array.from(bandMeans(new Float64Array([1, 2, 3, 5]), bands))).toEqual([1.5, 4]);
    expect(() => bandMeans(new Float64Array(3), bands)).toThrow(/does not fit 3 pairs/);
  });

  it('rejects a bad target length', () => {
    expect(() => analyticPressure(builtIn, -5)).toThrow(/-5/);
  });
});
