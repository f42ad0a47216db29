import { describe, expect, it } from 'vitest';
import { isBetterBeyondNoise, isWithinNoise, noiseThresholdNats, pairedDifference, pplChangePercent } from './noise';

describe('pairedDifference', () => {
  it('matches hand-computed mean and standard error', () => {
    // d = [−0.1, −0.3, −0.2, −0.2]: mean −0.2; deviations 0.1, −0.1, 0, 0 → ss 0.02; sd² = 0.02/3; SE = √(0.02/3/4).
    const s = pairedDifference([1.9, 1.7, 2.8, 2.0], [2.0, 2.0, 3.0, 2.2]);
    expect(s.meanNats).toBeCloseTo(-0.2, 12);
    expect(s.standardErrorNats).toBeCloseTo(Math.sqrt(0.02 / 3 / 4), 12);
    expect(s.windows).toBe(4);
    expect(isBetterBeyondNoise(s)).toBe(true);
    expect(noiseThresholdNats(s)).toBeCloseTo(2 * Math.sqrt(0.02 / 12), 12);
  });

  it('pairing removes between-window spread: a constant shift is a sure change, a large scatter is not', () => {
    const base = [1, 3, 2, 5, 4];
    expect(
      isBetterBeyondNoise(
        pairedDifference(
          base.map((x) => x - 0.01),
          base,
        ),
      ),
    ).toBe(true);
    const noisy = pairedDifference([1.2, 2.8, 2.3, 4.7, 3.9], base);
    expect(noisy.meanNats).toBeCloseTo(-0.02, 12);
    expect(isWithinNoise(noisy)).toBe(true);
  });

  it('float rounding is never a change, and one window cannot be judged', () => {
    const base = [1.3, 1.4, 1.2];
    expect(
      isWithinNoise(
        pairedDifference(
          base.map((x) => x + 1e-8),
          base,
        ),
      ),
    ).toBe(true);
    const one = pairedDifference([1], [2]);
    expect(one.standardErrorNats).toBeNaN();
    expect(isWithinNoise(one)).toBe(true);
    expect(isBetterBeyondNoise(one)).toBe(false);
    expect(() => pairedDifference([1, 2], [1])).toThrow(/2 windows vs 1/);
  });

  it('expresses a change in percent of perplexity', () => {
    const p = pplChangePercent({ meanNats: Math.log(0.99), standardErrorNats: 0.001, windows: 9 });
    expect(p.percent).toBeCloseTo(-1, 12);
    expect(p.standardErrorPercent).toBeCloseTo(0.099, 12);
  });
});
