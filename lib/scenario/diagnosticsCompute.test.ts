// computeDiagnostics on synthetic taps with closed-form answers (the staged analysis is checked
// against it in cli/engine/diagnosticsStaged.test.ts, on the built-in model's real runs).
import { describe, expect, it } from 'vitest';
import { computeDiagnostics } from './diagnosticsCompute';
import { seededTaps, syntheticDiagnosticsInput as input, TAP_BANDS, TAP_LAYERS, TAP_TOKENS as T } from './testing/diagnosticsTaps';

describe('computeDiagnostics', () => {
  it('long run = 2 × short run gives TIR 2 everywhere; an identical quantized run gives zero logit error and KL', () => {
    const result = computeDiagnostics(input());
    for (const tensor of ['q-pre', 'k-pre', 'q-post', 'k-post'] as const) {
      const tir = result.tir[tensor];
      expect(tir.tirLayerBand).toHaveLength(TAP_LAYERS.length * TAP_BANDS.length);
      expect(tir.tirLayerPair).toHaveLength(TAP_LAYERS.length * 2);
      for (const v of [...Array.from(tir.tirLayerBand), ...Array.from(tir.tirLayerPair)]) expect(v).toBeCloseTo(2, 6);
    }
    const dist = result.logitErrorDistance;
    expect(dist?.axis).toBe('distance');
    for (const v of dist?.rmsTotal ?? []) expect(v).toBe(0);
    expect(result.logitErrorQuery?.rmsPerBand).toHaveLength(2);
    expect(result.kl?.klNats).toEqual(new Array(T).fill(0));
  });

  it('activation IP is exactly 0 when the PI leaves θ and the attention factor unchanged, > 0 on a band whose θ moves, absent without frequencies', () => {
    const same = {
      invFreqOriginalRadPerToken: [1, 0.01],
      invFreqInterpolatedRadPerToken: [1, 0.01],
      attentionFactorOriginal: 1,
      attentionFactorInterpolated: 1,
    };
    const moved = { ...same, invFreqInterpolatedRadPerToken: [1, 0.0025] };
    expect(Array.from(computeDiagnostics(input({ frequencies: same })).activationIp?.ipLayerBand ?? [])).toEqual([0, 0, 0, 0]);
    const ip = Array.from(computeDiagnostics(input({ frequencies: moved })).activationIp?.ipLayerBand ?? []);
    expect(ip[0]).toBe(0); // band 0's pair keeps θ
    expect(ip[1]).toBeGreaterThan(0);
    expect(computeDiagnostics(input()).activationIp).toBeNull();
  });

  it('with a Q-ROAR run, logit error and KL compare it (not the g = 1 quantized run) with FP', () => {
    const fp = seededTaps(31);
    const qroarLogits = Float32Array.from({ length: T * 3 }, (_, i) => (i % 3) - 1);
    const result = computeDiagnostics(input({ longFp: fp, shortFp: fp, longQuant: seededTaps(32), longQroar: fp, qroarLogits }));
    expect(result.quantVariant).toBe('ptq+qroar');
    for (const x of result.logitErrorDistance?.rmsTotal ?? [1]) expect(x).toBe(0);
    expect(result.kl?.klNats.every((x) => x === 0)).toBe(true);
  });

  it('without a quantized run gives TIR only', () => {
    const result = computeDiagnostics(input({ longQuant: null }));
    expect(result.logitErrorDistance).toBeNull();
    expect(result.kl).toBeNull();
    expect(result.tir['q-post'].layers).toEqual(TAP_LAYERS);
  });

  it('refuses a short run longer than the long one, naming both', () => {
    expect(() => computeDiagnostics(input({ shortTokens: T + 1 }))).toThrow(/shortTokens 17 ≤ longTokens 16/);
  });
});
