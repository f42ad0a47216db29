import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { rtnDequantize, rtnFakeQuant, rtnQuantize, type RtnOptions } from './rtn';

/**
 * Independent transcription of training/model.py `rtn_fake_quant`: every tensor op is
 * materialised into its own Float32Array (as a float32 torch tensor would be), and torch.round's
 * half-to-even is written with floor instead of Math.round.
 */
function torchRound(x: number): number {
  const f = Math.floor(x);
  const d = x - f;
  if (d > 0.5) return f + 1;
  if (d < 0.5) return f;
  return f % 2 === 0 ? f : f + 1;
}
function torchLikeFakeQuant(w: Float32Array, outF: number, inF: number, bits: number, group: number, symmetric: boolean): Float32Array {
  const g = group <= 0 ? inF : group;
  const nG = outF * (inF / g);
  const y = new Float32Array(w.length);
  const s = new Float32Array(nG);
  if (symmetric) {
    const qmax = 2 ** (bits - 1) - 1;
    for (let k = 0; k < nG; k++) {
      const amax = new Float32Array([0]);
      for (let j = 0; j < g; j++) amax[0] = Math.max(amax[0], Math.abs(w[k * g + j]));
      s[k] = amax[0] / qmax;
      if (s[k] === 0) s[k] = 1;
    }
    const div = new Float32Array(w.length);
    for (let i = 0; i < w.length; i++) div[i] = w[i] / s[Math.floor(i / g)];
    for (let i = 0; i < w.length; i++) {
      const q = Math.min(Math.max(torchRound(div[i]), -qmax - 1), qmax);
      y[i] = q * s[Math.floor(i / g)];
    }
    return y;
  }
  const qmax = 2 ** bits - 1;
  const floor = new Float32Array([1e-5])[0];
  const z = new Float32Array(nG);
  const tmp = new Float32Array(1);
  for (let k = 0; k < nG; k++) {
    let mx = -Infinity;
    let mn = Infinity;
    for (let j = 0; j < g; j++) {
      mx = Math.max(mx, w[k * g + j]);
      mn = Math.min(mn, w[k * g + j]);
    }
    tmp[0] = mx - mn;
    s[k] = Math.max(tmp[0], floor) / qmax;
    tmp[0] = -mn / s[k];
    z[k] = Math.min(Math.max(torchRound(tmp[0]), 0), qmax);
  }
  for (let i = 0; i < w.length; i++) {
    const k = Math.floor(i / g);
    tmp[0] = w[i] / s[k];
    const q = Math.min(Math.max(torchRound(tmp[0]) + z[k], 0), qmax);
    y[i] = (q - z[k]) * s[k];
  }
  return y;
}

/** Seeded xorshift32 to build test matrices (never Math.random). */
function randomMatrix(n: number, seed: number, spread: number): Float32Array {
  let x = seed >>> 0 || 1;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    const u = x / 4294967296 - 0.5;
    out[i] = u * spread * (1 + 3 * (i % 7 === 0 ? 1 : 0)); // a few outliers per row
  }
  return out;
}

describe('rtn hand-computed cases', () => {
  it('asymmetric 2-bit rounds halves to even', () => {
    // range 3, s = 1, z = round(1) = 1; w/s = [-1, 0, 0.5, 2]; round(0.5) = 0 (not 1).
    const q = rtnQuantize(new Float32Array([-1, 0, 0.5, 2]), 1, 4, { bits: 2, groupSize: 4, symmetric: false });
    expect(Array.from(q.codes)).toEqual([0, 1, 1, 3]);
    expect(Array.from(q.scales)).toEqual([1]);
    expect(Array.from(q.zeroPoints)).toEqual([1]);
    expect(Array.from(rtnDequantize(q))).toEqual([-1, 0, 0, 2]);
  });

  it('symmetric 3-bit: s = absmax/3, 2.5 -> 2, codes offset by 4', () => {
    const q = rtnQuantize(new Float32Array([-3, 2.5, 0.5, 1.5]), 1, 4, { bits: 3, groupSize: 'channel', symmetric: true });
    expect(Array.from(q.scales)).toEqual([1]);
    expect(Array.from(q.codes)).toEqual([1, 6, 4, 6]);
    expect(Array.from(q.zeroPoints)).toEqual([4]);
    expect(Array.from(rtnDequantize(q))).toEqual([-3, 2, 0, 2]);
  });

  it('asymmetric 4-bit on float32 decimals (worked by hand)', () => {
    // mx 0.35, mn −0.2, s = 0.55/15 ≈ 0.0366667; −mn/s ≈ 5.4545 → z = 5;
    // w/s ≈ [2.727, −5.4545, 9.545, 1.364] → q = [3, −5, 10, 1] + 5.
    const q = rtnQuantize(new Float32Array([0.1, -0.2, 0.35, 0.05]), 1, 4, { bits: 4, groupSize: 4, symmetric: false });
    expect(Array.from(q.codes)).toEqual([8, 0, 15, 6]);
    expect(q.zeroPoints[0]).toBe(5);
    expect(q.scales[0]).toBeCloseTo(0.55 / 15, 7);
    const y = rtnDequantize(q);
    [0.11, -0.55 / 3, (0.55 * 10) / 15, 0.55 / 15].forEach((v, i) => expect(y[i]).toBeCloseTo(v, 6));
  });

  it('handles degenerate groups without NaN, exactly like the reference', () => {
    const w = new Float32Array([0, 0, 0, 0, 0.3, 0.3, 0.3, 0.3]);
    for (const symmetric of [true, false]) {
      const y = rtnFakeQuant(w, 2, 4, { bits: 4, groupSize: 4, symmetric });
      expect(y.every((v) => Number.isFinite(v))).toBe(true);
      expect(Array.from(y)).toEqual(Array.from(torchLikeFakeQuant(w, 2, 4, 4, 4, symmetric)));
    }
    // The reference's 1e-5 range floor maps a constant positive group to 15·(1e-5/15).
    const yA = rtnFakeQuant(w, 2, 4, { bits: 4, groupSize: 4, symmetric: false });
    expect(yA[4]).toBeCloseTo(1e-5, 10);
    expect(rtnQuantize(w, 2, 4, { bits: 4, groupSize: 4, symmetric: true }).scales[0]).toBe(0);
  });

  it('lets the last group of a row be shorter and covers per-channel', () => {
    const w = randomMatrix(3 * 40, 5, 2);
    const q = rtnQuantize(w, 3, 40, { bits: 4, groupSize: 32, symmetric: false });
    expect(q.groupsPerRow).toBe(2);
    // The short group (8 values) is quantized on its own: compare with quantizing it alone.
    const tail = w.slice(32, 40);
    const tailQ = rtnQuantize(tail, 1, 8, { bits: 4, groupSize: 'channel', symmetric: false });
    expect(q.scales[1]).toBe(tailQ.scales[0]);
    expect(Array.from(q.codes.slice(32, 40))).toEqual(Array.from(tailQ.codes));
    const ch = rtnQuantize(w, 3, 40, { bits: 8, groupSize: 'channel', symmetric: true });
    expect(ch.groupSize).toBe(40);
    expect(ch.scales.length).toBe(3);
  });

  it('rejects bad shapes and options with the actual values', () => {
    const w = new Float32Array(8);
    expect(() => rtnQuantize(w, 3, 3, { bits: 4, groupSize: 4, symmetric: false })).toThrow(/8 elements.*3×3 = 9/);
    expect(() => rtnQuantize(w, 2, 4, { bits: 9, groupSize: 4, symmetric: false })).toThrow(/got 9/);
    expect(() => rtnQuantize(w, 2, 4, { bits: 1, groupSize: 4, symmetric: false })).toThrow(/got 1/);
    expect(() => rtnQuantize(w, 2, 4, { bits: 4, groupSize: 0, symmetric: false })).toThrow(/got 0/);
  });
});

describe('rtn against the PyTorch-like reference', () => {
  const configs: Array<[number, number, boolean]> = [];
  for (const bits of [2, 3, 4, 8]) for (const group of [32, 64, 0]) for (const sym of [false, true]) configs.push([bits, group, sym]);
  it.each(configs)('bits %i group %i symmetric %s: bit-exact', (bits, group, symmetric) => {
    const rows = 6;
    const cols = 128;
    const w = randomMatrix(rows * cols, 1000 + bits * 7 + group, 0.2);
    const opts: RtnOptions = { bits, groupSize: group === 0 ? 'channel' : group, symmetric };
    const y = rtnFakeQuant(w, rows, cols, opts);
    const ref = torchLikeFakeQuant(w, rows, cols, bits, group, symmetric);
    for (let i = 0; i < y.length; i++) if (y[i] !== ref[i]) throw new Error(`i=${i}: ${y[i]} vs ${ref[i]}`);
  });

  it('is exact on grids full of exact .5 ties', () => {
    // Values k/8 with s = 1/4 (asym range 3.75 over 15 steps) put many w/s on .5 exactly.
    const w = new Float32Array(64);
    for (let i = 0; i < 64; i++) w[i] = ((i * 5) % 31) / 8 - 1.5;
    for (const symmetric of [false, true]) {
      const y = rtnFakeQuant(w, 2, 32, { bits: 4, groupSize: 32, symmetric });
      expect(Array.from(y)).toEqual(Array.from(torchLikeFakeQuant(w, 2, 32, 4, 32, symmetric)));
    }
  });
});

describe('rtnFakeQuant (one fused pass)', () => {
  it('equals rtnDequantize(rtnQuantize(…)) bit for bit, NaN, ±Infinity and degenerate groups included', () => {
    for (const [bits, group, symmetric] of [
      [4, 32, false],
      [4, 32, true],
      [3, 0, false],
      [8, 64, true],
      [2, 48, false],
    ] as const) {
      const rows = 5;
      const cols = 200;
      const w = randomMatrix(rows * cols, 77 + bits + group, 0.05);
      w[3] = NaN;
      w[250] = Infinity;
      w[420] = -Infinity;
      w.fill(0, 600, 700);
      w.fill(0.25, 800, 900);
      const opts: RtnOptions = { bits, groupSize: group === 0 ? 'channel' : group, symmetric };
      const fused = new Uint32Array(rtnFakeQuant(w, rows, cols, opts).buffer);
      const twoStep = new Uint32Array(rtnDequantize(rtnQuantize(w, rows, cols, opts)).buffer);
      expect(Array.from(fused)).toEqual(Array.from(twoStep));
    }
  });
});

function nearTie(x: number): boolean {
  return Math.abs(Math.abs(x - Math.floor(x)) - 0.5) < 1e-4;
}

describe('rtn properties', () => {
  const rowArb = fc
    .array(fc.float({ min: -1, max: 1, noNaN: true, noDefaultInfinity: true }), { minLength: 64, maxLength: 64 })
    .filter((a) => Math.max(...a) - Math.min(...a) > 1e-3 && Math.max(...a.map(Math.abs)) > 1e-3);

  it('error is at most half a step inside each group (asym and sym)', () => {
    fc.assert(
      fc.property(rowArb, fc.integer({ min: 2, max: 8 }), fc.boolean(), (row, bits, symmetric) => {
        const w = Float32Array.from(row);
        const q = rtnQuantize(w, 2, 32, { bits, groupSize: 16, symmetric });
        const y = rtnDequantize(q);
        for (let i = 0; i < w.length; i++) {
          const s = q.scales[Math.floor(i / 16)];
          expect(Math.abs(w[i] - y[i])).toBeLessThanOrEqual(s / 2 + s * 1e-5 + 1e-7);
        }
      }),
      { numRuns: 300, seed: 3 },
    );
  });

  it('is scale-equivariant: Q(c·row) = c·Q(row) for c in [0.5, 2]', () => {
    fc.assert(
      fc.property(rowArb, fc.double({ min: 0.5, max: 2, noNaN: true }), fc.integer({ min: 2, max: 8 }), fc.boolean(), (row, c, bits, symmetric) => {
        const w = Float32Array.from(row);
        const wc = Float32Array.from(row, (v) => v * c);
        const opts: RtnOptions = { bits, groupSize: 32, symmetric };
        // Equivariance holds up to float rounding, so a value within 1e-4 of a .5 tie (w/s, or
        // −min/s for the zero point) may legitimately round the other way once scaled: skip those.
        const q = rtnQuantize(w, 1, 64, opts);
        for (let i = 0; i < 64; i++) fc.pre(!nearTie(w[i] / q.scales[i >> 5]));
        if (!symmetric) {
          for (let g = 0; g < 2; g++) fc.pre(!nearTie(-Math.min(...w.subarray(g * 32, g * 32 + 32)) / q.scales[g]));
        }
        const y = rtnDequantize(q);
        const yc = rtnFakeQuant(wc, 1, 64, opts);
        const tol = 1e-5 * Math.max(...wc.map(Math.abs));
        for (let i = 0; i < 64; i++) expect(Math.abs(yc[i] - c * y[i])).toBeLessThanOrEqual(tol);
      }),
      { numRuns: 300, seed: 9 },
    );
  });
});
