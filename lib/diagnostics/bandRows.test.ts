import { describe, expect, it } from 'vitest';
import { bandIndexOfHeadRows, checkTokenHeadTensor } from './bandRows';

const bands = [
  { bandIndex: 0, firstPair: 0, lastPair: 1, label: 'fast' },
  { bandIndex: 1, firstPair: 2, lastPair: 2, label: 'slow' },
];

describe('bandIndexOfHeadRows', () => {
  it('half-split: pair i = rows (i, i + d_r/2); rows past rotaryDim get −1', () => {
    expect(Array.from(bandIndexOfHeadRows('half-split', 8, 6, bands))).toEqual([0, 0, 1, 0, 0, 1, -1, -1]);
  });
  it('interleaved: pair i = rows (2i, 2i+1)', () => {
    expect(Array.from(bandIndexOfHeadRows('interleaved', 8, 6, bands))).toEqual([0, 0, 0, 0, 1, 1, -1, -1]);
  });
  it('uncovered pairs get −1; overlaps and out-of-range bands throw', () => {
    expect(
      Array.from(
        bandIndexOfHeadRows(
          'interleaved',
          4,
          4,
          [bands[0]].map((b) => ({ ...b, lastPair: 0 })),
        ),
      ),
    ).toEqual([0, 0, -1, -1]);
    expect(() => bandIndexOfHeadRows('half-split', 8, 6, [...bands, { ...bands[1], bandIndex: 2 }])).toThrow(/pair 2 is in band 1 and band 2/);
    expect(() => bandIndexOfHeadRows('half-split', 8, 4, bands)).toThrow(/outside 0…1/);
  });
  it('checkTokenHeadTensor prints the dims', () => {
    expect(() => checkTokenHeadTensor('q', new Float32Array(5), 2, 1, 2)).toThrow(/length 5 ≠ tokens 2 × heads 1 × headDim 2 = 4/);
  });
});
