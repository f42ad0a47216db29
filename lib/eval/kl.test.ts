import { describe, expect, it } from 'vitest';
import { addRowKlInPlace, streamingKl } from './kl';
import type { NllEngine } from './engine';

describe('addRowKlInPlace', () => {
  it('hand-computed: P = (½, ½), Q = (¼, ¾) → ½·ln(4/3)', () => {
    const acc = new Float64Array(1);
    addRowKlInPlace(Float32Array.of(0, 0), Float32Array.of(0, Math.log(3)), 1, 2, acc);
    expect(acc[0]).toBeCloseTo(0.5 * Math.log(4 / 3), 6);
  });
  it('is 0 for equal rows and invariant to a per-row logit shift; accumulates', () => {
    const acc = new Float64Array(2);
    const ref = Float32Array.of(1, 2, 3, -4, 0.5, 9);
    const shifted = Float32Array.of(101, 102, 103, -14, -9.5, -1);
    addRowKlInPlace(ref, shifted, 2, 3, acc);
    expect(Math.abs(acc[0])).toBeLessThan(1e-6);
    expect(Math.abs(acc[1])).toBeLessThan(1e-6);
    addRowKlInPlace(Float32Array.of(0, 0, 0, 0, 0, 0), Float32Array.of(0, 0, 0, 0, Math.log(2), 0), 2, 3, acc);
    // P uniform over 3, Q = (¼, ½, ¼): KL = ⅓ln(4/3)+⅓ln(2/3)+⅓ln(4/3)
    expect(acc[1]).toBeCloseTo((2 * Math.log(4 / 3) + Math.log(2 / 3)) / 3, 6);
  });
  it('prints dims on shape errors', () => {
    expect(() => addRowKlInPlace(new Float32Array(5), new Float32Array(6), 2, 3, new Float64Array(2))).toThrow(/\[2, 3\]/);
  });
});

describe('streamingKl', () => {
  it('averages per position over windows from logits-producing engines', async () => {
    const mk = (offset: number): NllEngine => ({
      device: 'test',
      seqLen: 2,
      async run({ ids }) {
        // vocab 2; position p: logits (0, offset·ids[p]) — ref has offset 0 (uniform).
        const logits = new Float32Array(4);
        for (let p = 0; p < 2; p++) logits[p * 2 + 1] = offset * Number(ids[p]);
        return { nll: new Float32Array(1), logits };
      },
      async dispose() {},
    });
    const cos = new Float32Array(0);
    const r = await streamingKl({
      tokens: Int32Array.of(0, 1, 1, 0, 7, 7),
      context: 2,
      vocabSize: 2,
      maxWindows: 2,
      reference: { engine: mk(0), cos, sin: cos },
      test: { engine: mk(Math.log(3)), cos, sin: cos },
    });
    const k = 0.5 * Math.log(4 / 3);
    expect(r.windows).toBe(2);
    // window 0 ids (0,1): KL (0, k); window 1 ids (1,0): (k, 0).
    expect(r.perPositionKl[0]).toBeCloseTo(k / 2, 6);
    expect(r.perPositionKl[1]).toBeCloseTo(k / 2, 6);
    expect(r.meanKl).toBeCloseTo(k / 2, 6);
  });
});
