import { pairIndexOfHeadRows } from '../rope/layout';
import type { Band, PairLayout } from '../rope/types';

/**
 * Band index of every row of one head's q/k block, in the layout of the tensor at hand
 * (SPEC §1: masks are built in the weights' own layout). Rows past rotaryDim and rotary
 * pairs that no band covers get −1.
 *
 * Output: Int32Array[headDim]. Throws when a band leaves the pair range 0…rotaryDim/2 − 1
 * or two bands share a pair (a pair has exactly one scale).
 */
export function bandIndexOfHeadRows(layout: PairLayout, headDim: number, rotaryDim: number, bands: readonly Band[]): Int32Array {
  const pairCount = rotaryDim >> 1;
  const bandOfPair = new Int32Array(pairCount).fill(-1);
  for (let b = 0; b < bands.length; b++) {
    const { firstPair, lastPair } = bands[b];
    if (!Number.isInteger(firstPair) || !Number.isInteger(lastPair) || firstPair < 0 || lastPair >= pairCount || firstPair > lastPair) {
      throw new Error(`band ${b} covers pairs ${firstPair}…${lastPair}, outside 0…${pairCount - 1} (rotaryDim ${rotaryDim})`);
    }
    for (let p = firstPair; p <= lastPair; p++) {
      if (bandOfPair[p] !== -1) throw new Error(`pair ${p} is in band ${bandOfPair[p]} and band ${b}`);
      bandOfPair[p] = b;
    }
  }
  const pairOfRow = pairIndexOfHeadRows(layout, headDim, rotaryDim);
  const out = new Int32Array(headDim);
  for (let row = 0; row < headDim; row++) out[row] = pairOfRow[row] < 0 ? -1 : bandOfPair[pairOfRow[row]];
  return out;
}

/** Throws unless x holds exactly [tokens, heads, headDim] values (token-major). */
export function checkTokenHeadTensor(name: string, x: ArrayLike<number>, tokens: number, heads: number, headDim: number): void {
  if (!Number.isInteger(tokens) || !Number.isInteger(heads) || !Number.isInteger(headDim) || tokens < 0 || heads < 1 || headDim < 1) {
    throw new Error(`${name}: bad dims tokens ${tokens}, heads ${heads}, headDim ${headDim}`);
  }
  if (x.length !== tokens * heads * headDim) {
    throw new Error(`${name}: length ${x.length} ≠ tokens ${tokens} × heads ${heads} × headDim ${headDim} = ${tokens * heads * headDim}`);
  }
}
