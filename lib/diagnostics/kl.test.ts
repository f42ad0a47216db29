import { describe, expect, it } from 'vitest';
import { klDivergenceRow, klDivergenceRows, logSumExp } from './kl';

describe('kl', () => {
  it('logSumExp is stable for huge logits', () => {
    expect(logSumExp([1000, 1000])).toBeCloseTo(1000 + Math.log(2), 10);
    expect(logSumExp([-Infinity, 0])).toBe(0);
  });

  it('KL of two-way distributions matches the closed form', () => {
    // P = (1/2, 1/2) from logits (0, 0); Q = softmax(0, ln 3) = (1/4, 3/4).
    // KL = ½ ln(½/¼) + ½ ln(½/¾) = ½ ln 2 + ½ ln(2/3).
    expect(klDivergenceRow([0, 0], [0, Math.log(3)])).toBeCloseTo(0.5 * Math.log(2) + 0.5 * Math.log(2 / 3), 12);
    expect(klDivergenceRow([3, 1, -2], [3, 1, -2])).toBe(0);
    // Shift invariance and huge magnitudes.
    expect(klDivergenceRow([1e4, 1e4], [5e3, 5e3 + Math.log(3)])).toBeCloseTo(0.5 * Math.log(2) + 0.5 * Math.log(2 / 3), 9);
    // Zero-probability reference entries contribute nothing.
    expect(klDivergenceRow([-Infinity, 0], [0, 0])).toBeCloseTo(Math.log(2), 12);
  });

  it('row forms agree with single-row forms', () => {
    const ref = Float32Array.from([0, 0, 1, 2, 3, 4]);
    const q = Float32Array.from([0, 1, 1, 2, 0, 4]);
    const kl = klDivergenceRows(ref, q, 2, 3);
    expect(kl[0]).toBeCloseTo(klDivergenceRow(ref.subarray(0, 3), q.subarray(0, 3)), 12);
    expect(kl[1]).toBeCloseTo(klDivergenceRow(ref.subarray(3), q.subarray(3)), 12);
  });

  it('rejects bad shapes', () => {
    expect(() => klDivergenceRows(new Float32Array(5), new Float32Array(6), 2, 3)).toThrow(/lengths 5, 6 ≠ positions 2 × vocab 3 = 6/);
  });
});
