import { describe, expect, it } from 'vitest';
import { tokenNll, tokenNllRows } from './nll';

describe('nll', () => {
  it('matches −log softmax by hand, row form agrees', () => {
    const logits = Float32Array.from([0, 0, 1, 2, 3, 4]);
    const nll = tokenNllRows(logits, Int32Array.from([2, 0]), 2, 3);
    expect(nll[0]).toBeCloseTo(Math.log(2 + Math.E) - 1, 12);
    expect(nll[0]).toBeCloseTo(tokenNll([0, 0, 1], 2), 12);
    // −log softmax(2,3,4)[0] = log(e² + e³ + e⁴) − 2
    expect(nll[1]).toBeCloseTo(Math.log(Math.exp(2) + Math.exp(3) + Math.exp(4)) - 2, 12);
    expect(tokenNll([0, 0], 1)).toBeCloseTo(Math.log(2), 12);
    expect(tokenNll([1e4, 1e4], 0)).toBeCloseTo(Math.log(2), 9);
  });

  it('rejects bad targets and shapes', () => {
    expect(() => tokenNll([0, 1], 2)).toThrow(/outside vocab 0…1/);
    expect(() => tokenNllRows(new Float32Array(6), Int32Array.from([0]), 2, 3)).toThrow(/1 targets for 2 positions/);
  });
});
