import { describe, expect, it } from 'vitest';
import { pairSampler } from './pairSampler';

describe('pairSampler', () => {
  it('gives causal in-range pairs, deterministic per seed', () => {
    const a = pairSampler(1000, 500, 11);
    const b = pairSampler(1000, 500, 11);
    expect(a.queryPos).toEqual(b.queryPos);
    expect(a.keyPos).toEqual(b.keyPos);
    for (let i = 0; i < 500; i++) {
      expect(a.queryPos[i]).toBeGreaterThan(a.keyPos[i]);
      expect(a.keyPos[i]).toBeGreaterThanOrEqual(0);
      expect(a.queryPos[i]).toBeLessThan(1000);
    }
    expect(pairSampler(1000, 500, 12).queryPos).not.toEqual(a.queryPos);
  });

  it('stratifies over octave distance bins: every octave gets its share', () => {
    // tokens 1024 → distances 1…1023 → octaves [1,2),[2,4),…,[512,1023]: 10 bins.
    const { queryPos, keyPos } = pairSampler(1024, 1000, 5);
    const perBin = new Array<number>(10).fill(0);
    for (let i = 0; i < 1000; i++) perBin[Math.floor(Math.log2(queryPos[i] - keyPos[i]))]++;
    expect(perBin).toEqual(new Array<number>(10).fill(100));
  });

  it('respects minDistance and maxDistance', () => {
    const { queryPos, keyPos } = pairSampler(300, 200, 1, { minDistance: 16, maxDistance: 100 });
    for (let i = 0; i < 200; i++) {
      const d = queryPos[i] - keyPos[i];
      expect(d).toBeGreaterThanOrEqual(16);
      expect(d).toBeLessThanOrEqual(100);
    }
  });

  it('rejects impossible settings with the numbers', () => {
    expect(() => pairSampler(1, 10, 0)).toThrow(/tokens/);
    expect(() => pairSampler(10, 10, 0, { minDistance: 10 })).toThrow(/tokens − 1 = 9/);
  });
});
