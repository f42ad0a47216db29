import { describe, expect, it } from 'vitest';
import { bandScalesForLayer, rowScalesForProjection } from './scales';

const bands = [
  { bandIndex: 0, firstPair: 0, lastPair: 0, label: 'fast' },
  { bandIndex: 1, firstPair: 1, lastPair: 2, label: 'slow' },
];

describe('rowScalesForProjection', () => {
  it('half-split, partial rotary: both rows of each pair share the scale; non-rotary rows get 1', () => {
    // headDim 8, rotaryDim 6: pairs (0,3), (1,4), (2,5); rows 6, 7 pass through.
    const f = rowScalesForProjection([2, 0.5], { numHeads: 1, headDim: 8, rotaryDim: 6, layout: 'half-split', bands });
    expect(Array.from(f)).toEqual([2, 0.5, 0.5, 2, 0.5, 0.5, 1, 1]);
  });

  it('interleaved: pairs (0,1), (2,3), (4,5)', () => {
    const f = rowScalesForProjection([2, 0.5], { numHeads: 1, headDim: 8, rotaryDim: 6, layout: 'interleaved', bands });
    expect(Array.from(f)).toEqual([2, 2, 0.5, 0.5, 0.5, 0.5, 1, 1]);
  });

  it('GQA: q_proj (4 heads) and k_proj (2 KV heads) repeat the same head pattern per head', () => {
    const spec = { headDim: 6, rotaryDim: 6, layout: 'interleaved' as const, bands };
    const q = rowScalesForProjection([3, 5], { ...spec, numHeads: 4 });
    const k = rowScalesForProjection([3, 5], { ...spec, numHeads: 2 });
    expect(q.length).toBe(24);
    expect(k.length).toBe(12);
    const head = [3, 3, 5, 5, 5, 5];
    expect(Array.from(k)).toEqual([...head, ...head]);
    expect(Array.from(q)).toEqual([...head, ...head, ...head, ...head]);
  });

  it('rejects non-positive scales and wrong counts', () => {
    const spec = { numHeads: 1, headDim: 6, rotaryDim: 6, layout: 'interleaved' as const, bands };
    expect(() => rowScalesForProjection([1, 0], spec)).toThrow(/scale 0 of band 1/);
    expect(() => rowScalesForProjection([1], spec)).toThrow(/1 scales for 2 bands/);
  });
});

describe('bandScalesForLayer', () => {
  it('global scales serve every layer; per-layer scales pick their row', () => {
    expect(Array.from(bandScalesForLayer(Float64Array.from([1, 2]), 7, 2))).toEqual([1, 2]);
    const perLayer = [Float64Array.from([1, 2]), Float64Array.from([3, 4])];
    expect(Array.from(bandScalesForLayer(perLayer, 1, 2))).toEqual([3, 4]);
    expect(() => bandScalesForLayer(perLayer, 2, 2)).toThrow(/no scales for layer 2/);
    expect(() => bandScalesForLayer([1, -1], 0, 2)).toThrow(/must be finite and > 0/);
  });
});
