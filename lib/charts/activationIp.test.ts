import { describe, expect, it } from 'vitest';
import { activationIpOption, activationIpTable } from './activationIp';
import type { ActivationIpData } from './types';

const data: ActivationIpData = {
  layers: [0, 1],
  bands: [
    { bandIndex: 0, firstPair: 0, lastPair: 3, label: 'B0' },
    { bandIndex: 1, firstPair: 4, lastPair: 7, label: 'B1' },
  ],
  ipLayerBand: [0.1, 0.5, 0.2, 0.9],
  contextTokens: 1024,
};

describe('activation IP chart', () => {
  it('lays cells out as [band, layer, value] with the colour scale from 0 to the largest IP', () => {
    const o = activationIpOption(data, { dark: false }) as { series: Array<{ data: number[][] }>; visualMap: { min: number; max: number } };
    expect(o.series[0].data).toEqual([
      [0, 0, 0.1],
      [1, 0, 0.5],
      [0, 1, 0.2],
      [1, 1, 0.9],
    ]);
    expect(o.visualMap.min).toBe(0);
    expect(o.visualMap.max).toBe(0.9);
    expect(activationIpTable(data).rows[3]).toEqual([1, 'B1', 0.9]);
  });

  it('refuses a value count that does not match layers × bands', () => {
    expect(() => activationIpOption({ ...data, ipLayerBand: [1] }, { dark: true })).toThrow(/expected 2×2 = 4 values, got 1/);
  });
});
