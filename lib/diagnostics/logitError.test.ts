import { describe, expect, it } from 'vitest';
import { linearEdges, logitError, octaveEdges } from './logitError';
import { pairSampler } from './pairSampler';
import { createRng } from './rng';
import { gaussianArray } from './testing/rope';

const bands = [
  { bandIndex: 0, firstPair: 0, lastPair: 0, label: 'fast' },
  { bandIndex: 1, firstPair: 1, lastPair: 1, label: 'slow' },
];

describe('logitError', () => {
  it('hand-built: one head, headDim 4 (rotary 4, interleaved), a quantized query off by +1 on row 2', () => {
    // Tokens 4. ref q = k = (1, 0, 1, 0) at every position → ℓ_ref = 2/√4 = 1.
    // quant q has row 2 (pair 1, band 1) = 2 at position 3 only → ε_B1(3, n) = (2·1 − 1·1)/2 = 0.5.
    const ref = new Float32Array(16);
    for (let t = 0; t < 4; t++) {
      ref[t * 4] = 1;
      ref[t * 4 + 2] = 1;
    }
    const quantQ = ref.slice();
    quantQ[3 * 4 + 2] = 2;
    const pairs = { queryPos: Int32Array.from([3, 2, 3]), keyPos: Int32Array.from([0, 1, 1]) };
    const r = logitError({
      refQ: ref,
      refK: ref,
      quantQ,
      quantK: ref,
      tokens: 4,
      heads: 1,
      kvHeads: 1,
      headDim: 4,
      rotaryDim: 4,
      layout: 'interleaved',
      bands,
      pairs,
      queryBinEdges: [0, 3, 4],
    });
    // Distances 3, 1, 2 → octave bins [1,2): {Δ1: ε 0}, [2,4): {Δ3: 0.5, Δ2: 0.5}.
    expect(r.distanceBins.map((b) => [b.lo, b.hi, b.count])).toEqual([
      [1, 2, 1],
      [2, 4, 2],
    ]);
    expect(r.distanceBins[0].rmsTotal).toBe(0);
    expect(r.distanceBins[1].rmsByBand).toEqual([0, 0.5]);
    expect(r.distanceBins[1].rmsTotal).toBe(0.5);
    // Query bins [0,3): {m 2: 0}, [3,4): {0.5, 0.5}.
    expect(r.queryBins.map((b) => b.rmsTotal)).toEqual([0, 0.5]);
    // Overall: ε = (0.5, 0, 0.5) → RMS √(1/6), p99 (type 7) = 0.5.
    expect(r.overall.count).toBe(3);
    expect(r.overall.rmsTotal).toBeCloseTo(Math.sqrt(0.5 / 3), 12);
    expect(r.overall.p99Total).toBeCloseTo(0.5, 12);
  });

  it('identical runs give zero error everywhere; error in one band stays in that band (GQA, brute force)', () => {
    const rng = createRng(2);
    const tokens = 50;
    const heads = 4;
    const kvHeads = 1;
    const headDim = 6;
    const rotaryDim = 4; // rows 4,5 are non-rotary
    const refQ = gaussianArray(rng.nextGaussian, tokens * heads * headDim);
    const refK = gaussianArray(rng.nextGaussian, tokens * kvHeads * headDim);
    const pairs = pairSampler(tokens, 120, 8);
    const base = { refQ, refK, tokens, heads, kvHeads, headDim, rotaryDim, layout: 'half-split' as const, bands, pairs };
    const zero = logitError({ ...base, quantQ: refQ, quantK: refK, perHead: true });
    expect(zero.overall.rmsTotal).toBe(0);
    expect(zero.perHead?.[3].overall.p99ByBand).toEqual([0, 0]);

    // Half-split, rotaryDim 4: pair 1 (band 1) = rows 1 and 3. Scale those query rows by 1.1,
    // and perturb non-rotary row 5 of the keys: it must show in the total, not in any band.
    const quantQ = refQ.slice();
    for (let i = 0; i < quantQ.length; i += headDim) {
      quantQ[i + 1] *= 1.1;
      quantQ[i + 3] *= 1.1;
    }
    const quantK = refK.slice();
    for (let i = 0; i < quantK.length; i += headDim) quantK[i + 5] += 0.25;
    const r = logitError({ ...base, quantQ, quantK, perHead: true, distanceBinEdges: [1, 8, 64] });
    let sq1 = 0;
    let sqT = 0;
    let cnt = 0;
    for (let s = 0; s < 120; s++) {
      const m = pairs.queryPos[s];
      const n = pairs.keyPos[s];
      if (m - n < 8) continue;
      for (let h = 0; h < heads; h++) {
        const q = (row: number, x: Float32Array) => x[(m * heads + h) * headDim + row];
        const k = (row: number, x: Float32Array) => x[n * headDim + row];
        const e1 = (0.1 * (q(1, refQ) * k(1, refK) + q(3, refQ) * k(3, refK))) / Math.sqrt(headDim);
        let eT = 0;
        for (let row = 0; row < headDim; row++) eT += q(row, quantQ) * k(row, quantK) - q(row, refQ) * k(row, refK);
        eT /= Math.sqrt(headDim);
        sq1 += e1 * e1;
        sqT += eT * eT;
        cnt++;
      }
    }
    const far = r.distanceBins[1];
    expect(far.count).toBe(cnt);
    expect(far.rmsByBand[0]).toBe(0);
    expect(far.rmsByBand[1]).toBeCloseTo(Math.sqrt(sq1 / cnt), 5);
    expect(far.rmsTotal).toBeCloseTo(Math.sqrt(sqT / cnt), 5);
    expect(r.perHead).toHaveLength(heads);
    expect(r.perHead?.reduce((a, s) => a + s.overall.count, 0)).toBe(r.overall.count);
  });

  it('edges helpers', () => {
    expect(octaveEdges(5)).toEqual([1, 2, 4, 8]);
    expect(octaveEdges(4)).toEqual([1, 2, 4, 8]);
    expect(linearEdges(100, 4)).toEqual([0, 25, 50, 75, 100]);
    expect(linearEdges(3, 16)).toEqual([0, 1, 2, 3]);
  });
});
