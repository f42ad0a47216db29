import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bandIndexOfPairs, bandsFor, parseBandSpec } from './bands';
import type { BandPartitionSpec, RopeConfig } from './types';

const llama2: RopeConfig = { type: 'default', thetaBase: 1e4, headDim: 128, rotaryDim: 128, maxPositionEmbeddings: 4096 };
const ranges = (spec: BandPartitionSpec, rope: RopeConfig): Array<[number, number]> => bandsFor(spec, rope).map((b) => [b.firstPair, b.lastPair]);

describe('parseBandSpec', () => {
  it('parses the three kinds', () => {
    expect(parseBandSpec('equal-log:4')).toEqual({ kind: 'equal-log', count: 4 });
    expect(parseBandSpec('equal-log')).toEqual({ kind: 'equal-log', count: 4 });
    expect(parseBandSpec('yarn')).toEqual({ kind: 'yarn' });
    expect(parseBandSpec('custom:0-7, 8-15,16')).toEqual({
      kind: 'custom',
      ranges: [
        [0, 7],
        [8, 15],
        [16, 16],
      ],
    });
  });
  it('rejects bad text with the offending part', () => {
    expect(() => parseBandSpec('equal-log:1')).toThrow(/2 to 16, got '1'/);
    expect(() => parseBandSpec('equal-log:17')).toThrow(/got '17'/);
    expect(() => parseBandSpec('equal-log:x')).toThrow(/got 'x'/);
    expect(() => parseBandSpec('custom:0-7,a-b')).toThrow(/'a-b'/);
    expect(() => parseBandSpec('custom:7-0')).toThrow(/ends before/);
    expect(() => parseBandSpec('custom:')).toThrow(/need ranges/);
    expect(() => parseBandSpec('octaves')).toThrow(/unknown band partition 'octaves'/);
  });
});

describe('bandsFor', () => {
  it('equal-log:4 on d_r 128 → 0–15, 16–31, 32–47, 48–63 (REFERENCE §4)', () => {
    expect(ranges({ kind: 'equal-log', count: 4 }, llama2)).toEqual([
      [0, 15],
      [16, 31],
      [32, 47],
      [48, 63],
    ]);
    const bands = bandsFor({ kind: 'equal-log', count: 4 }, llama2);
    expect(bands[0].label).toMatch(/pairs 0–15 \(λ 6\.28–54\.\d tokens\)/);
    expect(bands.map((b) => b.bandIndex)).toEqual([0, 1, 2, 3]);
  });

  it('equal-log remainder goes to the first (fastest) bands: 10 pairs / 3 → 4, 3, 3', () => {
    const rope = { ...llama2, headDim: 20, rotaryDim: 20 };
    expect(ranges({ kind: 'equal-log', count: 3 }, rope)).toEqual([
      [0, 3],
      [4, 6],
      [7, 9],
    ]);
    expect(() => bandsFor({ kind: 'equal-log', count: 16 }, rope)).toThrow(/10 pairs into 16/);
  });

  it('yarn (d_r 128, b 1e4, L0 4096): untouched 0–20, ramp 21–45, interpolated 46–63', () => {
    const bands = bandsFor({ kind: 'yarn' }, { ...llama2, type: 'yarn', factor: 4 });
    expect(bands.map((b) => [b.firstPair, b.lastPair])).toEqual([
      [0, 20],
      [21, 45],
      [46, 63],
    ]);
    expect(bands.map((b) => b.label.split(' ')[0])).toEqual(['untouched', 'ramp', 'interpolated']);
  });

  it('yarn on the built-in shape (d_r 64, L0 256): low 0, high 13 → 0–0, 1–12, 13–31', () => {
    expect(ranges({ kind: 'yarn' }, { ...llama2, headDim: 64, rotaryDim: 64, maxPositionEmbeddings: 256 })).toEqual([
      [0, 0],
      [1, 12],
      [13, 31],
    ]);
  });

  it('yarn drops empty bands (all pairs below low → one band)', () => {
    const rope: RopeConfig = { type: 'default', thetaBase: 10, headDim: 8, rotaryDim: 8, maxPositionEmbeddings: 1e9 };
    const bands = bandsFor({ kind: 'yarn' }, rope);
    expect(bands.map((b) => [b.bandIndex, b.firstPair, b.lastPair])).toEqual([[0, 0, 3]]);
  });

  it('custom: sorted, validated', () => {
    expect(
      ranges(
        {
          kind: 'custom',
          ranges: [
            [32, 63],
            [0, 31],
          ],
        },
        llama2,
      ),
    ).toEqual([
      [0, 31],
      [32, 63],
    ]);
    expect(() =>
      bandsFor(
        {
          kind: 'custom',
          ranges: [
            [0, 10],
            [12, 63],
          ],
        },
        llama2,
      ),
    ).toThrow(/miss pair 11/);
    expect(() =>
      bandsFor(
        {
          kind: 'custom',
          ranges: [
            [0, 10],
            [10, 63],
          ],
        },
        llama2,
      ),
    ).toThrow(/overlap at pair 10/);
    expect(() => bandsFor({ kind: 'custom', ranges: [[0, 70]] }, llama2)).toThrow(/past the last pair 63/);
    expect(() => bandsFor({ kind: 'custom', ranges: [[0, 40]] }, llama2)).toThrow(/miss pairs 41-63/);
  });

  it('property: every pair lies in exactly one band, for every partition kind', () => {
    const ropeArb = fc.record({
      pairs: fc.integer({ min: 2, max: 96 }),
      thetaBase: fc.double({ min: 2, max: 1e7, noNaN: true }),
      window: fc.integer({ min: 1, max: 1 << 20 }),
      truncate: fc.boolean(),
    });
    const specArb = (pairs: number): fc.Arbitrary<BandPartitionSpec> =>
      fc.oneof(
        fc.integer({ min: 2, max: Math.min(16, pairs) }).map((count): BandPartitionSpec => ({ kind: 'equal-log', count })),
        fc.constant<BandPartitionSpec>({ kind: 'yarn' }),
        fc.uniqueArray(fc.integer({ min: 1, max: pairs - 1 }), { maxLength: 12 }).map((cuts): BandPartitionSpec => {
          const edges = [0, ...cuts.sort((a, b) => a - b), pairs];
          const r: Array<[number, number]> = [];
          for (let k = 0; k + 1 < edges.length; k++) r.push([edges[k], edges[k + 1] - 1]);
          return { kind: 'custom', ranges: r.reverse() };
        }),
      );
    fc.assert(
      fc.property(
        ropeArb.chain((r) => fc.tuple(fc.constant(r), specArb(r.pairs))),
        ([r, spec]) => {
          const rope: RopeConfig = {
            type: 'default',
            thetaBase: r.thetaBase,
            headDim: 2 * r.pairs,
            rotaryDim: 2 * r.pairs,
            maxPositionEmbeddings: r.window,
            truncate: r.truncate,
          };
          const bands = bandsFor(spec, rope);
          const hits = new Int32Array(r.pairs);
          bands.forEach((b, k) => {
            if (b.bandIndex !== k || b.firstPair > b.lastPair) throw new Error('bad band');
            for (let i = b.firstPair; i <= b.lastPair; i++) hits[i]++;
          });
          bandIndexOfPairs(bands, r.pairs);
          return hits.every((h) => h === 1);
        },
      ),
      { numRuns: 500, seed: 5 },
    );
  });
});
