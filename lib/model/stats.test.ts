import { describe, expect, it } from 'vitest';
import { tensorStats, tensorStatsInBatches } from './stats';

describe('tensorStatsInBatches', () => {
  it('matches tensorStats over the whole tensor, whatever the batch size; reads whole rows only', async () => {
    const rows = 7;
    const cols = 5;
    const values = Float32Array.from({ length: rows * cols }, (_, i) => ((i * 37) % 23) - 11.5);
    values[9] = NaN;
    values[30] = Infinity;
    const whole = tensorStats(values);
    for (const batch of [1, 5, 12, 1000]) {
      const reads: Array<[number, number]> = [];
      const s = await tensorStatsInBatches(
        [rows, cols],
        async (r) => {
          reads.push([r!.first, r!.count]);
          return values.subarray(r!.first * cols, (r!.first + r!.count) * cols);
        },
        batch,
      );
      expect(s.first).toEqual(whole.first);
      expect(s.absMax).toBe(whole.absMax);
      expect(s.nonFinite).toBe(2);
      expect(s.mean).toBeCloseTo(whole.mean, 12);
      expect(reads.reduce((n, [, c]) => n + c, 0)).toBe(rows);
      expect(reads[0][1]).toBe(Math.min(rows, Math.max(1, Math.floor(batch / cols))));
    }
  });

  it('a 1-D tensor is read whole', async () => {
    const s = await tensorStatsInBatches([3], async (r) => {
      expect(r).toBeUndefined();
      return Float32Array.from([1, -4, 2]);
    });
    expect(s).toEqual({ first: [1, -4, 2], mean: -1 / 3, absMax: 4, nonFinite: 0 });
  });
});
