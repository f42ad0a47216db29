import { describe, expect, it } from 'vitest';
import { CONTROL_GAIN_SHARE, controlShares, formatShare, notSpecificSentence } from './controlShare';
import { contextPenalty } from './penalty';

describe('controlShares', () => {
  it('matches hand-computed shares: PTQ 2.50 → 2.40, FP 2.00 → 1.98', () => {
    // gap 0.50, PTQ gain 0.10 → 20 % closed; FP gain 0.02 → 20 % of the PTQ gain: specific.
    const s = controlShares({ ptqBefore: 2.5, ptqAfter: 2.4, fpBefore: 2.0, fpAfter: 1.98 });
    expect(s.ptqGainNats).toBeCloseTo(0.1, 12);
    expect(s.fpGainNats).toBeCloseTo(0.02, 12);
    expect(s.gapClosedShare).toBeCloseTo(0.2, 12);
    expect(s.fpShareOfGain).toBeCloseTo(0.2, 12);
    expect(s.notQuantizationSpecific).toBe(false);
    expect(formatShare(s.gapClosedShare)).toBe('20 %');
  });

  it('flags a gain FP gets at least half as much (the rule is CONTROL_GAIN_SHARE = 0.5)', () => {
    expect(CONTROL_GAIN_SHARE).toBe(0.5);
    // PTQ gain 0.08, FP gain 0.04 → exactly one half: not specific.
    const half = controlShares({ ptqBefore: 3.0, ptqAfter: 2.92, fpBefore: 2.8, fpAfter: 2.76 });
    expect(half.fpShareOfGain).toBeCloseTo(0.5, 12);
    expect(half.notQuantizationSpecific).toBe(true);
    // Just under one half: specific.
    expect(controlShares({ ptqBefore: 3.0, ptqAfter: 2.92, fpBefore: 2.8, fpAfter: 2.7601 }).notQuantizationSpecific).toBe(false);
  });

  it('undefined ratios are null: no gap to close, no gain to share', () => {
    const noGap = controlShares({ ptqBefore: 2.0, ptqAfter: 1.9, fpBefore: 2.0, fpAfter: 1.95 });
    expect(noGap.gapClosedShare).toBeNull();
    expect(noGap.fpShareOfGain).toBeCloseTo(0.5, 12);
    const worse = controlShares({ ptqBefore: 2.5, ptqAfter: 2.6, fpBefore: 2.0, fpAfter: 1.9 });
    expect(worse.gapClosedShare).toBeCloseTo(-0.2, 12);
    expect(worse.fpShareOfGain).toBeNull();
    expect(worse.notQuantizationSpecific).toBe(false);
    expect(formatShare(null)).toBe('n/a');
    // A blown-up context reports nothing rather than failing the whole result.
    expect(controlShares({ ptqBefore: Number.POSITIVE_INFINITY, ptqAfter: 1, fpBefore: 1, fpAfter: 1 })).toEqual({
      ptqGainNats: Number.NaN,
      fpGainNats: Number.NaN,
      gapClosedShare: null,
      fpShareOfGain: null,
      notQuantizationSpecific: false,
    });
  });

  it('contextPenalty carries the shares of its mean NLLs', () => {
    const p = contextPenalty({ contextTokens: 512, ptqBefore: [2.4, 2.6], ptqAfter: [2.3, 2.5], fpBefore: [2.0, 2.0], fpAfter: [1.95, 1.95] });
    // gap 0.5, PTQ gain 0.1 → 0.2; FP gain 0.05 → 0.5 of the PTQ gain.
    expect(p.shares?.gapClosedShare).toBeCloseTo(0.2, 12);
    expect(p.shares?.fpShareOfGain).toBeCloseTo(0.5, 12);
    expect(p.shares?.notQuantizationSpecific).toBe(true);
  });

  it('says in one sentence where the gain is not specific, and nothing when it is', () => {
    const retune = controlShares({ ptqBefore: 3.0, ptqAfter: 2.9, fpBefore: 2.5, fpAfter: 2.42 });
    const repair = controlShares({ ptqBefore: 3.0, ptqAfter: 2.9, fpBefore: 2.5, fpAfter: 2.5 });
    expect(notSpecificSentence([{ contextTokens: 256, shares: repair }])).toBeNull();
    expect(
      notSpecificSentence([
        { contextTokens: 256, shares: repair },
        { contextTokens: 1024, shares: retune },
      ]),
    ).toBe(
      "The gain is not specific to quantization at context 1024 (FP gets 80 %): the full-precision model gains at least 50 % as much with the same scales, so they mostly retune the PI method's temperature rather than repair quantization.",
    );
  });
});
