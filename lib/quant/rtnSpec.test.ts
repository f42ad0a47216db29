import { describe, expect, it } from 'vitest';
import { formatRtnSpec, parseRtnSpec } from './rtnSpec';
import { roundHalfEven } from './round';

describe('rtn spec grammar', () => {
  it('parses the documented examples', () => {
    expect(parseRtnSpec('rtn:w4g32a')).toEqual({ bits: 4, groupSize: 32, symmetric: false });
    expect(parseRtnSpec('rtn:w8g128s')).toEqual({ bits: 8, groupSize: 128, symmetric: true });
    expect(parseRtnSpec('rtn:w4gcha')).toEqual({ bits: 4, groupSize: 'channel', symmetric: false });
    expect(parseRtnSpec('rtn:w2g256s')).toEqual({ bits: 2, groupSize: 256, symmetric: true });
  });

  it('round-trips every expressible setting', () => {
    for (let bits = 2; bits <= 8; bits++) {
      for (const g of ['32', '64', '128', '256', 'ch']) {
        for (const v of ['a', 's']) {
          const spec = `rtn:w${bits}g${g}${v}`;
          expect(formatRtnSpec(parseRtnSpec(spec))).toBe(spec);
        }
      }
    }
  });

  it('rejects malformed specs with the reason', () => {
    expect(() => parseRtnSpec('rtn:w9g32a')).toThrow(/bits 9 outside 2..8/);
    expect(() => parseRtnSpec('rtn:w1g32a')).toThrow(/bits 1 outside/);
    expect(() => parseRtnSpec('rtn:w4g48a')).toThrow(/group 48 not one of/);
    expect(() => parseRtnSpec('rtn:w4g32')).toThrow(/expected rtn:w<bits 2-8>/);
    expect(() => parseRtnSpec('RTN:w4g32a')).toThrow(/expected/);
    expect(() => parseRtnSpec('q4_0')).toThrow(/expected/);
    expect(() => parseRtnSpec('rtn:w4g32a ')).toThrow(/expected/);
    expect(() => formatRtnSpec({ bits: 4, groupSize: 16, symmetric: false })).toThrow(/group 16/);
  });
});

describe('roundHalfEven', () => {
  it('matches torch.round on halves and non-halves', () => {
    const cases: Array<[number, number]> = [
      [0.5, 0],
      [1.5, 2],
      [2.5, 2],
      [-0.5, -0],
      [-1.5, -2],
      [-2.5, -2],
      [3.5, 4],
      [2.4999999, 2],
      [2.5000001, 3],
      [-7.3, -7],
      [-7.7, -8],
      [0, 0],
      [254.5, 254],
      [255.5, 256],
    ];
    for (const [x, r] of cases) expect(roundHalfEven(x), `x=${x}`).toBe(r);
  });
});
