import { describe, expect, it } from 'vitest';
import { contextPenalty } from '../qroar/penalty';
import type { ReportSearchRun } from './searchRecord';
import { searchOutcomeView } from './searchOutcomeView';

const base: ReportSearchRun = {
  state: 'done',
  variant: 'shared',
  bands: [],
  bandOrder: [0, 1],
  grid: [0.8, 1, 1.25],
  guardTolerance: 0.005,
  contextTokens: 512,
  shortContextTokens: 256,
  windows: 4,
  candidateScales: [],
  baseline: null,
  best: null,
  dev: null,
  test: null,
  shortContext: null,
  seconds: 1,
};

describe('searchOutcomeView', () => {
  it('writes the penalty rows with standard errors, the edge offer and the noise caption', () => {
    const penalty = [
      // PTQ −0.1 nats on every window: a sure change; FP unchanged; penalty 0.3 → 0.2 per window (−33.3 %).
      contextPenalty({ contextTokens: 512, ptqBefore: [2.3, 2.4], ptqAfter: [2.2, 2.3], fpBefore: [2.0, 2.1], fpAfter: [2.0, 2.1] }),
    ];
    const v = searchOutcomeView({
      ...base,
      noise: { sigmas: 2, floatToleranceNats: 1e-5 },
      penalty,
      window: { lo: 0.8, hi: 1.25, pointCount: 9 },
      edgeHits: [{ bandIndex: 1, scale: 0.8, edge: 'lo' }],
      widenTo: { lo: 0.64, hi: 1.25, pointCount: 13 },
      devChange: { meanNats: -0.001, standardErrorNats: 0.002, windows: 4 },
      noOpReason: null,
      control: null,
      testWindows: 2,
    });
    expect(v.penaltyRows).toHaveLength(1);
    expect(v.penaltyRows[0]).toMatchObject({
      contextTokens: 512,
      windows: 2,
      ptqChange: '−9.52 % ± 0.00 %',
      fpChange: '±0.00 % ± 0.00 % (within noise)',
      penaltyBefore: '0.3000 ± 0.0000',
      penaltyAfter: '0.2000 ± 0.0000',
      ptqWithinNoise: false,
    });
    expect(v.penaltyRows[0].penaltyRelativeChange).toBe('−33.3 % ± 0.0 %');
    // Gap 0.3, PTQ gain 0.1 → a third closed; FP gains nothing → 0 % of the gain, specific.
    expect(v.penaltyRows[0]).toMatchObject({ ptqGain: '0.1000', fpGain: '0.0000', gapClosed: '33 %', fpShareOfGain: '0 %', notQuantizationSpecific: false });
    expect(v.notSpecific).toBeNull();
    expect(v.testWithinNoise).toEqual({ 512: false });
    expect(v.edge?.message).toMatch(/band 1 at g = 0\.8000 \(lower edge\) of the safe window \[0\.8, 1\.25\]/);
    expect(v.edge?.widenLabel).toBe('Widen to [0.640, 1.250] (13 points) and search again');
    expect(v.edge?.definition).toMatch(/outward by ×1\.25 in g .* guard is unchanged/);
    expect(v.devChange).toBe('−0.10 % ± 0.20 % (within noise) on 4 dev windows');
    expect(v.olderReport).toBeNull();
    expect(v.caption).toMatch(/paired differences.*Quantization penalty = NLL\(PTQ\) − NLL\(FP\)/);
  });

  it('says in words when FP gets at least half the gain, also for a report saved without the shares', () => {
    const p = contextPenalty({ contextTokens: 512, ptqBefore: [2.3, 2.4], ptqAfter: [2.2, 2.3], fpBefore: [2.0, 2.1], fpAfter: [1.94, 2.04] });
    delete p.shares;
    const v = searchOutcomeView({ ...base, noise: { sigmas: 2, floatToleranceNats: 1e-5 }, penalty: [p], edgeHits: [] });
    expect(v.penaltyRows[0]).toMatchObject({ gapClosed: '33 %', fpShareOfGain: '60 %', notQuantizationSpecific: true });
    expect(v.notSpecific).toMatch(/^The gain is not specific to quantization at context 512 \(FP gets 60 %\)/);
    expect(v.caption).toMatch(/Gap closed = \(PTQ before − PTQ after\)\/\(PTQ before − FP before\).*at least 50 % as much/);
  });

  it('says what an older report lacks, and passes the no-op reason on', () => {
    const old = searchOutcomeView(base);
    expect(old.olderReport).toMatch(/saved before the search recorded the noise test.*the FP control and the quantization penalty/);
    expect(old.penaltyRows).toEqual([]);
    expect(old.edge).toBeNull();
    expect(searchOutcomeView({ ...base, noOpReason: 'cannot change', noise: { sigmas: 2, floatToleranceNats: 1e-5 }, penalty: null, edgeHits: [] }).noOp).toBe(
      'cannot change',
    );
  });
});
