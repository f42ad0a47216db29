import { describe, expect, it } from 'vitest';
import { contextPenalty } from '../qroar/penalty';
import { penaltyOption, penaltyTable } from './penalty';

describe('penalty chart', () => {
  it('draws before/after penalty against context with ±2 SE whiskers, skipping unknown SE', () => {
    const rows = [
      contextPenalty({ contextTokens: 256, ptqBefore: [2.0], ptqAfter: [2.0], fpBefore: [1.9], fpAfter: [1.9] }),
      contextPenalty({ contextTokens: 512, ptqBefore: [2.3, 2.5], ptqAfter: [2.2, 2.4], fpBefore: [2.0, 2.1], fpAfter: [2.0, 2.1] }),
    ];
    const opt = penaltyOption({ rows }, { dark: false }) as { series: Array<{ name: string; data: number[][] }> };
    expect(opt.series.map((s) => s.name)).toEqual([
      'before (g = 1)',
      'before (g = 1) ±2 SE',
      'after (chosen g, both sides)',
      'after (chosen g, both sides) ±2 SE',
    ]);
    expect(opt.series[0].data).toEqual([
      [256, expect.closeTo(0.1, 12)],
      [512, expect.closeTo(0.35, 12)],
    ]);
    // Before at 512: per-window 0.3, 0.4 → SE 0.05; whisker 0.35 ± 0.1. The 256 row has one window: no whisker.
    expect(opt.series[1].data).toEqual([[512, expect.closeTo(0.25, 12), expect.closeTo(0.45, 12)]]);
    const table = penaltyTable({ rows });
    expect(table.columns[0]).toBe('contextTokens');
    expect(table.rows[1][2]).toBeCloseTo(0.35, 12);
  });
});
