import { describe, expect, it } from 'vitest';
import { createRng } from './rng';

describe('createRng (mulberry32)', () => {
  it('matches the reference mulberry32 stream for seed 0', () => {
    // Reference values: the canonical JS mulberry32 (bryc/code, PRNGs.md) seeded with 0,
    // first three outputs × 2^32.
    const rng = createRng(0);
    expect([rng.nextUint32(), rng.nextUint32(), rng.nextUint32()]).toEqual([1144304738, 1416247, 958946056]);
  });

  it('is deterministic per seed and differs across seeds', () => {
    const a = createRng(42);
    const b = createRng(42);
    const c = createRng(43);
    const sa = Array.from({ length: 8 }, () => a.nextUint32());
    const sb = Array.from({ length: 8 }, () => b.nextUint32());
    const sc = Array.from({ length: 8 }, () => c.nextUint32());
    expect(sa).toEqual(sb);
    expect(sa).not.toEqual(sc);
  });

  it('floats lie in [0,1) with mean ≈ 1/2, ints in range and roughly uniform', () => {
    const rng = createRng(7);
    let sum = 0;
    let lo = Infinity;
    let hi = -Infinity;
    const n = 20000;
    for (let i = 0; i < n; i++) {
      const x = rng.nextFloat();
      lo = Math.min(lo, x);
      hi = Math.max(hi, x);
      sum += x;
    }
    expect(lo).toBeGreaterThanOrEqual(0);
    expect(hi).toBeLessThan(1);
    expect(sum / n).toBeCloseTo(0.5, 1);
    const counts = new Array<number>(5).fill(0);
    for (let i = 0; i < n; i++) counts[rng.nextInt(5)]++;
    for (const c of counts) expect(Math.abs(c - n / 5)).toBeLessThan((n / 5) * 0.1);
  });

  it('gaussian draws have mean ≈ 0 and variance ≈ 1', () => {
    const rng = createRng(3);
    const n = 20000;
    let s = 0;
    let s2 = 0;
    for (let i = 0; i < n; i++) {
      const g = rng.nextGaussian();
      s += g;
      s2 += g * g;
    }
    expect(Math.abs(s / n)).toBeLessThan(0.05);
    expect(Math.abs(s2 / n - 1)).toBeLessThan(0.05);
  });

  it('rejects bad arguments', () => {
    expect(() => createRng(Number.NaN)).toThrow(/finite/);
    expect(() => createRng(1).nextInt(0)).toThrow(/maxExclusive/);
  });
});
