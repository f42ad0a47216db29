import { ropeCosSinTable } from '../rope/cosSin';
import { ropeFrequencies } from '../rope/frequencies';
import type { RopeConfig } from '../rope/types';

/**
 * The graph's `cos`/`sin` inputs for one run of `seqLen` tokens at positions 0…seqLen−1.
 * Output: Float32Array[seqLen, headDim] each, position-major, half-split (the graph's layout
 * whatever the weights' layout), attention factor folded in; columns ≥ rotaryDim hold cos 1,
 * sin 0 so partial-rotary rows pass through. Dynamic NTK (and longrope) see the evaluated length
 * as `frequencyLengthTokens` (default seqLen), so every context gets its own base; a longer table
 * with a shorter context's frequencies lets one T = C_max graph score that context on its prefix.
 */
export function graphRopeInputs(
  rope: RopeConfig,
  seqLen: number,
  opts: { frequencyLengthTokens?: number } = {},
): { cos: Float32Array; sin: Float32Array; attentionFactor: number } {
  const { headDim, rotaryDim } = rope;
  if (!Number.isInteger(seqLen) || seqLen < 1) throw new Error(`seqLen must be a positive integer, got ${seqLen}`);
  if (rotaryDim > headDim) throw new Error(`rotaryDim ${rotaryDim} exceeds headDim ${headDim}`);
  const { invFreqRadPerToken, attentionFactor } = ropeFrequencies(rope, { sequenceLengthTokens: opts.frequencyLengthTokens ?? seqLen });
  const table = ropeCosSinTable(invFreqRadPerToken, attentionFactor, 0, seqLen, 'half-split');
  if (rotaryDim === headDim) return { ...table, attentionFactor };
  const cos = new Float32Array(seqLen * headDim).fill(1);
  const sin = new Float32Array(seqLen * headDim);
  for (let p = 0; p < seqLen; p++) {
    cos.set(table.cos.subarray(p * rotaryDim, (p + 1) * rotaryDim), p * headDim);
    sin.set(table.sin.subarray(p * rotaryDim, (p + 1) * rotaryDim), p * headDim);
  }
  return { cos, sin, attentionFactor };
}
