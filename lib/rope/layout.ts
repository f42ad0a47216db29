import type { PairLayout } from './types';

/**
 * Rows of rotary pair `pairIndex` inside one head's block of q/k rows (SPEC §1).
 * Returns [rowA, rowB] as offsets within the head (0 … headDim−1). For a
 * partial-rotary head the pairs occupy rows 0 … rotaryDim−1 and the rest pass through.
 */
export function pairRowsInHead(layout: PairLayout, rotaryDim: number, pairIndex: number): [number, number] {
  const halfRotary = rotaryDim >> 1;
  if (rotaryDim % 2 !== 0) throw new Error(`rotaryDim must be even, got ${rotaryDim}`);
  if (pairIndex < 0 || pairIndex >= halfRotary || !Number.isInteger(pairIndex)) {
    throw new Error(`pairIndex ${pairIndex} out of range 0…${halfRotary - 1}`);
  }
  return layout === 'half-split' ? [pairIndex, pairIndex + halfRotary] : [2 * pairIndex, 2 * pairIndex + 1];
}

/**
 * Pair index of each row of a head, or −1 for rows past rotaryDim.
 * Output: Int32Array[headDim].
 */
export function pairIndexOfHeadRows(layout: PairLayout, headDim: number, rotaryDim: number): Int32Array {
  if (rotaryDim > headDim) throw new Error(`rotaryDim ${rotaryDim} exceeds headDim ${headDim}`);
  const out = new Int32Array(headDim).fill(-1);
  for (let pairIndex = 0; pairIndex < rotaryDim >> 1; pairIndex++) {
    const [a, b] = pairRowsInHead(layout, rotaryDim, pairIndex);
    out[a] = pairIndex;
    out[b] = pairIndex;
  }
  return out;
}
