import { describe, expect, it } from 'vitest';
import { rtnFakeQuant, type RtnOptions } from '../quant/rtn';
import { createRng } from '../diagnostics/rng';
import { bandIndexOfHeadRows } from '../diagnostics/bandRows';
import { applyRopeRef, defaultInvFreq, gaussianArray } from '../diagnostics/testing/rope';
import { toInterleavedRows } from '../diagnostics/testing/permute';
import type { PairLayout } from '../rope/types';
import { applyQroarTransform, applyQroarTransformInPlace, qroarRowFactors, type QroarVariant, type QroarWeights } from './transform';
import { causalLogits, maxAbs, maxAbsDiff, project } from './testing/attention';

// A small GQA attention layer with partial rotary dims: 4 query heads, 2 KV heads, headDim 12,
// rotaryDim 8 (rows past 8 are not rotated and must never be scaled). Linear PI ×2 with an
// attention factor, so the logits are the model's own.
const tokens = 24;
const hidden = 48;
const heads = 4;
const kvHeads = 2;
const headDim = 12;
const rotaryDim = 8;
const bands = [
  { bandIndex: 0, firstPair: 0, lastPair: 1, label: 'fast' },
  { bandIndex: 1, firstPair: 2, lastPair: 3, label: 'slow' },
];
const invFreq = Float64Array.from(defaultInvFreq(rotaryDim, 10000), (t) => t / 2);
const attentionFactor = 1.1;
const bandScales = [0.8, 1.25];

const rng = createRng(1234);
const x = gaussianArray(rng.nextGaussian, tokens * hidden);
const base: QroarWeights = {
  wq: gaussianArray(rng.nextGaussian, heads * headDim * hidden, 0.2),
  wk: gaussianArray(rng.nextGaussian, kvHeads * headDim * hidden, 0.2),
  bq: gaussianArray(rng.nextGaussian, heads * headDim, 0.1),
  bk: gaussianArray(rng.nextGaussian, kvHeads * headDim, 0.1),
};
const geometry = (variant: QroarVariant, layout: PairLayout = 'half-split') => ({
  variant,
  bandScales,
  bands,
  layout,
  numHeads: heads,
  numKvHeads: kvHeads,
  headDim,
  rotaryDim,
});

function quantize(w: QroarWeights, opts: RtnOptions | null): QroarWeights {
  if (!opts) return w;
  return { ...w, wq: rtnFakeQuant(w.wq, heads * headDim, hidden, opts), wk: rtnFakeQuant(w.wk, kvHeads * headDim, hidden, opts) };
}

/** Post-RoPE q/k of the layer, then all causal logits (optionally only rows of one band). */
function logits(w: QroarWeights, layout: PairLayout, rowMask?: (row: number) => boolean): Float64Array {
  const q = applyRopeRef(project(x, w.wq, w.bq, tokens, hidden, heads * headDim), tokens, heads, headDim, rotaryDim, layout, invFreq, attentionFactor);
  const k = applyRopeRef(project(x, w.wk, w.bk, tokens, hidden, kvHeads * headDim), tokens, kvHeads, headDim, rotaryDim, layout, invFreq, attentionFactor);
  return causalLogits(q, k, tokens, heads, kvHeads, headDim, rowMask);
}

describe('Q-ROAR transform', () => {
  const rtnCases: Array<[string, RtnOptions]> = [
    ['asymmetric w4 g16', { bits: 4, groupSize: 16, symmetric: false }],
    ['symmetric w3 per-channel', { bits: 3, groupSize: 'channel', symmetric: true }],
  ];
  for (const [name, opts] of rtnCases) {
    it(`symmetric variant + row-local RTN (${name}), no KV quantization: every logit unchanged`, () => {
      const before = logits(quantize(base, opts), 'half-split');
      const after = logits(quantize(applyQroarTransform(geometry('symmetric'), base), opts), 'half-split');
      // Float rounding only: Q(g·row) = g·Q(row) up to float32 steps.
      expect(maxAbsDiff(before, after)).toBeLessThan(1e-5 * maxAbs(before));
      // …while quantization itself is far from a no-op at these bit widths.
      expect(maxAbsDiff(before, logits(base, 'half-split'))).toBeGreaterThan(1e-2 * maxAbs(before));
    });
  }

  const bandOfRow = bandIndexOfHeadRows('half-split', headDim, rotaryDim, bands);
  const inBand = (b: number) => (row: number) => bandOfRow[row] === b;
  const notRotary = (row: number) => bandOfRow[row] < 0;

  for (const [variant, power] of [
    ['shared', 2],
    ['query-only', 1],
    ['symmetric', 0],
  ] as const) {
    it(`${variant}: band B logit × g_B^${power}, non-rotary rows untouched (full precision)`, () => {
      const scaled = applyQroarTransform(geometry(variant), base);
      for (let b = 0; b < 2; b++) {
        const before = logits(base, 'half-split', inBand(b));
        const after = logits(scaled, 'half-split', inBand(b));
        const expected = before.map((v) => v * bandScales[b] ** power);
        expect(maxAbsDiff(after, expected)).toBeLessThan(1e-5 * maxAbs(before));
      }
      expect(maxAbsDiff(logits(scaled, 'half-split', notRotary), logits(base, 'half-split', notRotary))).toBe(0);
    });
  }

  it('shared + RTN: scale-then-quantize = quantize-then-scale rows (the block-scale fast path)', () => {
    const opts: RtnOptions = { bits: 4, groupSize: 16, symmetric: false };
    const a = quantize(applyQroarTransform(geometry('shared'), base), opts);
    const b = applyQroarTransform(geometry('shared'), quantize(base, opts));
    expect(maxAbsDiff(a.wq, b.wq)).toBeLessThan(1e-6 * maxAbs(b.wq));
    expect(maxAbsDiff(a.wk, b.wk)).toBeLessThan(1e-6 * maxAbs(b.wk));
  });

  it('half-split and interleaved weights (the same model permuted) give the same logits after transform + RTN', () => {
    const permuted: QroarWeights = {
      wq: toInterleavedRows(base.wq, heads * headDim, hidden, headDim, rotaryDim),
      wk: toInterleavedRows(base.wk, kvHeads * headDim, hidden, headDim, rotaryDim),
      bq: toInterleavedRows(base.bq!, heads * headDim, 1, headDim, rotaryDim),
      bk: toInterleavedRows(base.bk!, kvHeads * headDim, 1, headDim, rotaryDim),
    };
    const opts: RtnOptions = { bits: 4, groupSize: 16, symmetric: false };
    for (const variant of ['shared', 'query-only', 'symmetric'] as const) {
      const half = logits(quantize(applyQroarTransform(geometry(variant, 'half-split'), base), opts), 'half-split');
      const inter = logits(quantize(applyQroarTransform(geometry(variant, 'interleaved'), permuted), opts), 'interleaved');
      expect(maxAbsDiff(half, inter)).toBeLessThan(1e-5 * maxAbs(half));
    }
    // Applying the half-split mask to interleaved weights is wrong and must show: not equal.
    const wrong = logits(applyQroarTransform(geometry('shared', 'half-split'), permuted), 'interleaved');
    const right = logits(applyQroarTransform(geometry('shared', 'half-split'), base), 'half-split');
    expect(maxAbsDiff(wrong, right)).toBeGreaterThan(1e-2 * maxAbs(right));
  });

  it('scales biases like their rows; pure form leaves inputs alone; in-place form edits them', () => {
    const f = qroarRowFactors(geometry('symmetric'));
    const out = applyQroarTransform(geometry('symmetric'), base);
    for (let r = 0; r < heads * headDim; r++) expect(out.bq![r]).toBe(Math.fround(base.bq![r] * f.q[r]));
    for (let r = 0; r < kvHeads * headDim; r++) expect(out.bk![r]).toBe(Math.fround(base.bk![r] * f.k[r]));
    expect(f.k[0]).toBeCloseTo(1 / 0.8, 12);
    expect(qroarRowFactors(geometry('query-only')).k.every((v) => v === 1)).toBe(true);
    const copy: QroarWeights = { wq: base.wq.slice(), wk: base.wk.slice() };
    applyQroarTransformInPlace(geometry('shared'), copy);
    expect(Array.from(copy.wq)).toEqual(Array.from(out.wq.map((_, i) => Math.fround(base.wq[i] * f.q[Math.floor(i / hidden)]))));
    expect(copy.wk).toEqual(applyQroarTransform(geometry('shared'), { wq: base.wq, wk: base.wk }).wk);
  });

  it('rejects mismatched shapes with the dims', () => {
    expect(() => applyQroarTransform(geometry('shared'), { wq: base.wq, wk: base.wk.subarray(1) })).toThrow(
      /wk length 1151 ≠ numKvHeads 2 × headDim 12 × inCols 48/,
    );
  });
});
