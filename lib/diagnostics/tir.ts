import type { Band, PairLayout } from '../rope/types';
import { bandIndexOfHeadRows, checkTokenHeadTensor } from './bandRows';
import { pairIndexOfHeadRows } from '../rope/layout';
import type { QuantileLevel } from './stats';
import { quantileInPlace } from './select';
import { TAIL_HEAP_MAX_KEPT, TailQuantile, tailKeptCount } from './tailHeap';

/**
 * Tail Inflation Ratio (SPEC §4, definitions v1 — ours):
 *   TIR_B = Q_p(|X_B| over a long run at L') / Q_p(|X_B| over a short run at ≤ L),
 * X one captured tensor (q or k, pre- or post-RoPE — the caller picks the tap), X_B its
 * coordinates on both rows of every pair of band B, over all tokens of the run.
 * Q_p is the exact type-7 quantile of lib/diagnostics/stats.ts; p = 'max' is the maximum.
 * A zero short-run tail gives Infinity (or NaN when the long tail is zero too), by IEEE division.
 */
export interface TirInput {
  /** Long-run activations, Float32Array [longTokens, heads, headDim], token-major. */
  longRun: Float32Array;
  longTokens: number;
  /** Short-run activations, Float32Array [shortTokens, heads, headDim], same layer and tap. */
  shortRun: Float32Array;
  shortTokens: number;
  /** Heads in the tensor (query heads for q, KV heads for k). */
  heads: number;
  headDim: number;
  rotaryDim: number;
  layout: PairLayout;
  /** Tail level p (default 0.999). */
  level?: QuantileLevel;
}

export interface TirResult {
  level: QuantileLevel;
  /** Ratio pooled over heads, Float64Array [groups] (groups = bands or pairs). */
  pooled: Float64Array;
  /** Ratio per head, Float64Array [heads, groups], groups contiguous. */
  perHead: Float64Array;
  /** Numerator and denominator of `pooled`, same units as X, Float64Array [groups]. */
  pooledLongTail: Float64Array;
  pooledShortTail: Float64Array;
}

/** TIR per band. Output groups = bands (in the order given); see TirResult. */
export function tailInflationRatio(input: TirInput & { bands: readonly Band[] }): TirResult {
  const groupOfRow = bandIndexOfHeadRows(input.layout, input.headDim, input.rotaryDim, input.bands);
  return ratioByRowGroup(input, groupOfRow, input.bands.length);
}

/** TIR per rotary pair (both rows of the pair), for the heat map. Output groups = rotaryDim/2 pairs. */
export function tailInflationRatioPerPair(input: TirInput): TirResult {
  const groupOfRow = pairIndexOfHeadRows(input.layout, input.headDim, input.rotaryDim);
  return ratioByRowGroup(input, groupOfRow, input.rotaryDim >> 1);
}

function ratioByRowGroup(input: TirInput, groupOfRow: Int32Array, groupCount: number): TirResult {
  const { longRun, longTokens, shortRun, shortTokens, heads, headDim } = input;
  const level = input.level ?? 0.999;
  checkTokenHeadTensor('tir longRun', longRun, longTokens, heads, headDim);
  checkTokenHeadTensor('tir shortRun', shortRun, shortTokens, heads, headDim);
  if (longTokens < 1 || shortTokens < 1) throw new Error(`tir: need ≥ 1 token per run, got long ${longTokens}, short ${shortTokens}`);
  const long = groupTailQuantiles(longRun, longTokens, heads, headDim, groupOfRow, groupCount, level);
  const short = groupTailQuantiles(shortRun, shortTokens, heads, headDim, groupOfRow, groupCount, level);
  const pooled = new Float64Array(groupCount);
  for (let g = 0; g < groupCount; g++) pooled[g] = long.pooled[g] / short.pooled[g];
  const perHead = new Float64Array(heads * groupCount);
  for (let i = 0; i < perHead.length; i++) perHead[i] = long.perHead[i] / short.perHead[i];
  return { level, pooled, perHead, pooledLongTail: long.pooled, pooledShortTail: short.pooled };
}

/**
 * Q_p(|x|) of every row group, per head and pooled over heads.
 * Input: x Float32Array [tokens, heads, headDim]; groupOfRow Int32Array [headDim] (−1 = skip).
 * Output: pooled Float64Array [groups], perHead Float64Array [heads, groups]; NaN for a group with no rows.
 */
export function groupTailQuantiles(
  x: Float32Array,
  tokens: number,
  heads: number,
  headDim: number,
  groupOfRow: Int32Array,
  groupCount: number,
  level: QuantileLevel,
): { pooled: Float64Array; perHead: Float64Array } {
  checkTokenHeadTensor('groupTailQuantiles x', x, tokens, heads, headDim);
  if (groupOfRow.length !== headDim) throw new Error(`groupTailQuantiles: groupOfRow length ${groupOfRow.length} ≠ headDim ${headDim}`);
  const rowsOfGroup: number[][] = Array.from({ length: groupCount }, () => []);
  for (let row = 0; row < headDim; row++) if (groupOfRow[row] >= 0) rowsOfGroup[groupOfRow[row]].push(row);
  let maxRows = 0;
  for (const rows of rowsOfGroup) maxRows = Math.max(maxRows, rows.length);
  if (maxRows === 0) return { pooled: new Float64Array(groupCount).fill(Number.NaN), perHead: new Float64Array(heads * groupCount).fill(Number.NaN) };
  if (tailKeptCount(tokens * maxRows * heads, level) <= TAIL_HEAP_MAX_KEPT) return streamedTails(x, tokens, heads, headDim, groupOfRow, rowsOfGroup, level);
  // A low level keeps too many values for a heap: copy each slice and select.
  const pooled = new Float64Array(groupCount).fill(Number.NaN);
  const perHead = new Float64Array(heads * groupCount).fill(Number.NaN);
  const tokenStride = heads * headDim;
  const buffer = new Float32Array(tokens * maxRows * heads);
  for (let g = 0; g < groupCount; g++) {
    const rows = rowsOfGroup[g];
    const rowCount = rows.length;
    if (rowCount === 0) continue;
    const headLen = tokens * rowCount;
    for (let h = 0; h < heads; h++) {
      const slice = buffer.subarray(h * headLen, (h + 1) * headLen);
      let o = 0;
      for (let t = 0; t < tokens; t++) {
        const base = t * tokenStride + h * headDim;
        for (let r = 0; r < rowCount; r++) slice[o++] = Math.abs(x[base + rows[r]]);
      }
      perHead[h * groupCount + g] = sortedTail(slice, level);
    }
    pooled[g] = sortedTail(buffer.subarray(0, heads * headLen), level);
  }
  return { pooled, perHead };
}

/**
 * groupTailQuantiles in one sequential pass over x (lib/diagnostics/tailHeap): every |x| is offered
 * to its (head, group) tail and its group's pooled tail, and skipped at once when it is at or below
 * both floors — the case for all but ~0.1 % of the values at p = 0.999.
 */
function streamedTails(
  x: Float32Array,
  tokens: number,
  heads: number,
  headDim: number,
  groupOfRow: Int32Array,
  rowsOfGroup: number[][],
  level: QuantileLevel,
): { pooled: Float64Array; perHead: Float64Array } {
  const groupCount = rowsOfGroup.length;
  const headTails = new Array<TailQuantile | null>(heads * groupCount).fill(null);
  const pooledTails = new Array<TailQuantile | null>(groupCount).fill(null);
  const headFloor = new Float64Array(heads * groupCount).fill(-Infinity);
  const pooledFloor = new Float64Array(groupCount).fill(-Infinity);
  for (let g = 0; g < groupCount; g++) {
    const n = tokens * rowsOfGroup[g].length;
    if (n === 0) continue;
    pooledTails[g] = new TailQuantile(n * heads, level);
    for (let h = 0; h < heads; h++) headTails[h * groupCount + g] = new TailQuantile(n, level);
  }
  for (let t = 0; t < tokens; t++) {
    for (let h = 0; h < heads; h++) {
      const base = (t * heads + h) * headDim;
      for (let row = 0; row < headDim; row++) {
        const g = groupOfRow[row];
        if (g < 0) continue;
        const v = Math.abs(x[base + row]);
        if (Number.isNaN(v)) throw new Error(`tir: NaN activation at flat index ${base + row}`);
        const k = h * groupCount + g;
        if (v > headFloor[k]) headFloor[k] = headTails[k]!.push(v);
        if (v > pooledFloor[g]) pooledFloor[g] = pooledTails[g]!.push(v);
      }
    }
  }
  const pooled = Float64Array.from(pooledTails, (tail) => (tail ? tail.value() : Number.NaN));
  const perHead = Float64Array.from(headTails, (tail) => (tail ? tail.value() : Number.NaN));
  return { pooled, perHead };
}

function sortedTail(values: Float32Array, level: QuantileLevel): number {
  if (level === 'max' || level === 1) {
    let m = 0;
    for (let i = 0; i < values.length; i++) {
      if (Number.isNaN(values[i])) throw new Error(`tir: NaN activation at flat index ${i}`);
      if (values[i] > m) m = values[i];
    }
    return m;
  }
  for (let i = 0; i < values.length; i++) if (Number.isNaN(values[i])) throw new Error('tir: NaN activation in input');
  // Selection, not a sort: the same two order statistics (lib/diagnostics/select.ts says why).
  return quantileInPlace(values, level);
}
