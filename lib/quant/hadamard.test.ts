import { describe, expect, it } from 'vitest';
import { hadamardRotateRows, hadamardSizeError, normalizedHadamard } from './hadamard';

describe('normalized Walsh–Hadamard', () => {
  it('H_4 by hand: [[1,1,1,1],[1,−1,1,−1],[1,1,−1,−1],[1,−1,−1,1]] / 2', () => {
    expect(Array.from(normalizedHadamard(4))).toEqual([1, 1, 1, 1, 1, -1, 1, -1, 1, 1, -1, -1, 1, -1, -1, 1].map((v) => v / 2));
  });

  it('is symmetric and orthogonal (H·H = I) for n = 2 … 128', () => {
    for (const n of [2, 8, 64, 128]) {
      const h = normalizedHadamard(n);
      let worst = 0;
      for (let i = 0; i < n; i++) {
        for (let j = 0; j < n; j++) {
          expect(h[i * n + j]).toBe(h[j * n + i]);
          let dot = 0;
          for (let k = 0; k < n; k++) dot += h[i * n + k] * h[k * n + j];
          worst = Math.max(worst, Math.abs(dot - (i === j ? 1 : 0)));
        }
      }
      expect(worst).toBeLessThan(1e-6);
    }
  });

  it('the fast transform equals x·H by the matrix, and twice returns x', () => {
    const n = 16;
    const rows = 3;
    const x = Float32Array.from({ length: rows * n }, (_, i) => Math.sin(i * 1.7) * (i % 5 === 0 ? 20 : 1));
    const h = normalizedHadamard(n);
    const fast = hadamardRotateRows(x, n);
    for (let r = 0; r < rows; r++) {
      for (let j = 0; j < n; j++) {
        let acc = 0;
        for (let k = 0; k < n; k++) acc += x[r * n + k] * h[k * n + j];
        expect(fast[r * n + j]).toBeCloseTo(acc, 5);
      }
    }
    const back = hadamardRotateRows(fast, n);
    for (let i = 0; i < x.length; i++) expect(back[i]).toBeCloseTo(x[i], 5);
  });

  it('spreads a one-channel outlier evenly: |x·H| = |x|/√n in every channel', () => {
    const x = new Float32Array(64);
    x[5] = 8;
    for (const v of hadamardRotateRows(x, 64)) expect(Math.abs(v)).toBeCloseTo(1, 6);
  });

  it('refuses head dims that are not a power of two, naming the dim', () => {
    expect(hadamardSizeError(64)).toBeNull();
    expect(hadamardSizeError(96)).toMatch(/power-of-two head dim.*96/);
    expect(() => normalizedHadamard(80)).toThrow(/80/);
    expect(() => hadamardRotateRows(new Float32Array(12), 12)).toThrow(expect.objectContaining({ name: 'KvSettingError', userFacing: true }));
    expect(() => hadamardRotateRows(new Float32Array(10), 4)).toThrow(/whole rows/);
  });
});
