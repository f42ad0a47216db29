import { describe, expect, it } from 'vitest';
import { defaultSettings } from '../settings/settings';
import { curveBuild, curveJobs, isFp } from './curveJobs';

describe('perplexity curve jobs', () => {
  it('after Apply: PTQ + Q-ROAR and its FP + Q-ROAR control, right after the main method’s FP and PTQ', () => {
    const s = { ...defaultSettings(), compareMethods: [], appliedScales: [1, 0.9, 1, 1.1] };
    expect(curveJobs(s).map((j) => j.variant)).toEqual(['fp', 'ptq', 'ptq+qroar', 'fp+qroar']);
    expect(curveJobs({ ...s, appliedScales: null }).map((j) => j.variant)).toEqual(['fp', 'ptq']);
    // Overlaid methods get FP and PTQ only: the scales belong to the main method's band partition.
    const overlay = curveJobs({ ...s, pi: { ...s.pi, method: 'yarn' }, compareMethods: ['linear'] });
    expect(overlay.map((j) => j.key)).toEqual(['yarn/fp', 'yarn/ptq', 'yarn/ptq+qroar', 'yarn/fp+qroar', 'linear/fp', 'linear/ptq']);
    // Nothing quantized: no Q-ROAR curves either (the applied scales belong to a quantized scenario).
    expect(curveJobs({ ...s, weightQuant: null, kvQuant: null }).map((j) => j.variant)).toEqual(['fp']);
  });

  it('the control builds full-precision weights with the applied scales', () => {
    const quant = { quant: { kind: 'rtn' as const, bits: 4, groupSizeColumns: 32, symmetric: false, layers: 'all' as const }, kv: null };
    const qroar = { variant: 'shared' as const, bands: [{ bandIndex: 0, firstPair: 0, lastPair: 7, label: '0–7' }], scales: [0.9] };
    expect(curveBuild({ variant: 'fp+qroar' }, quant, () => qroar)).toEqual({ quant: null, qroar });
    expect(curveBuild({ variant: 'ptq+qroar' }, quant, () => qroar)).toEqual({ ...quant, qroar });
    expect(curveBuild({ variant: 'fp' }, quant, () => qroar)).toEqual({ quant: null });
    expect(curveBuild({ variant: 'ptq' }, quant, () => qroar)).toEqual(quant);
    expect([isFp({ variant: 'fp+qroar' }), isFp({ variant: 'ptq+qroar' })]).toEqual([true, false]);
  });
});
