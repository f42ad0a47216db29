import { describe, expect, it } from 'vitest';
import { contextPenalty } from './penalty';

describe('contextPenalty', () => {
  it('matches hand-computed penalty figures on three windows', () => {
    // Penalty before per window: 0.30, 0.20, 0.40 (mean 0.30); after: 0.24, 0.17, 0.31 (mean 0.24).
    // Change per window: −0.06, −0.03, −0.09 → mean −0.06, deviations 0, 0.03, −0.03 → sd² = 0.0018/2, SE = √(0.0009/3).
    const p = contextPenalty({
      contextTokens: 512,
      ptqBefore: [2.3, 3.2, 1.9],
      fpBefore: [2.0, 3.0, 1.5],
      ptqAfter: [2.2, 3.1, 1.8],
      fpAfter: [1.96, 2.93, 1.49],
    });
    expect(p.windows).toBe(3);
    expect(p.nll.ptqBefore).toBeCloseTo(7.4 / 3, 12);
    expect(p.penaltyBefore.meanNats).toBeCloseTo(0.3, 12);
    expect(p.penaltyAfter.meanNats).toBeCloseTo(0.24, 12);
    expect(p.penaltyChange.meanNats).toBeCloseTo(-0.06, 12);
    expect(p.penaltyChange.standardErrorNats).toBeCloseTo(Math.sqrt(0.0009 / 3), 12);
    expect(p.penaltyRelativeChange).toBeCloseTo(-0.2, 12);
    expect(p.penaltyRelativeChangeStdError).toBeCloseTo(Math.sqrt(0.0009 / 3) / 0.3, 12);
    expect(p.ptqChange.meanNats).toBeCloseTo(-0.1, 12);
    expect(p.ptqChange.standardErrorNats).toBeCloseTo(0, 12);
    expect(p.fpChange.meanNats).toBeCloseTo(-0.04, 12);
    // FP change per window −0.04, −0.07, −0.01: mean −0.04, SE √(0.0009/3) ≈ 0.0173 → 2·SE < 0.04, beyond noise.
    expect(p.fpChange.standardErrorNats).toBeCloseTo(Math.sqrt(0.0009 / 3), 12);
    expect(p.withinNoise).toEqual({ ptqChange: false, fpChange: false, penaltyChange: false });
  });

  it('a gain FP gets just as much leaves the penalty unchanged (a retune, not a repair)', () => {
    const ptq = [2.5, 2.7, 2.6, 2.9];
    const fp = [2.2, 2.5, 2.3, 2.6];
    const p = contextPenalty({ contextTokens: 256, ptqBefore: ptq, fpBefore: fp, ptqAfter: ptq.map((x) => x - 0.05), fpAfter: fp.map((x) => x - 0.05) });
    expect(p.withinNoise.ptqChange).toBe(false);
    expect(p.penaltyChange.meanNats).toBeCloseTo(0, 12);
    expect(p.withinNoise.penaltyChange).toBe(true);
    expect(() => contextPenalty({ contextTokens: 1, ptqBefore: [1, 2], fpBefore: [1], ptqAfter: [1, 2], fpAfter: [1, 2] })).toThrow(/fpBefore has 1 windows/);
  });
});
