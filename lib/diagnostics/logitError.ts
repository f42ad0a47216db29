import { bandIndexOfHeadRows, checkTokenHeadTensor } from './bandRows';
import type { PositionPairs } from './pairSampler';
import type { QuantileLevel } from './stats';
import { quantileInPlace } from './select';
import type { QkGeometry } from './qkGeometry';

/**
 * Position-dependent logit error (SPEC §4, definitions v1 — ours):
 *   ε(m,n) = ℓ_quant(m,n) − ℓ_ref(m,n),  ℓ(m,n) = q_m·k_n / √headDim,
 * on the sampled pairs only (never L'×L'). Inputs are **post-RoPE** taps that already carry
 * the PI method's attention factor (HF multiplies cos and sin by it), so ℓ here is exactly the
 * model's pre-softmax logit and this module needs no cos/sin tables. Both runs must use the
 * same PI (or, for the second view, the caller passes an FP run without PI as reference).
 *
 * Per band: ε_B sums the rows of band B's pairs. The total ε sums all headDim rows, so
 * ε = Σ_B ε_B + ε_rest, with ε_rest from rows past rotaryDim or pairs in no band (zero when the
 * bands cover every pair and rotaryDim = headDim).
 *
 * Aggregates: RMS of ε and the `tailLevel` quantile (default 0.99, type 7) of |ε|, over
 * samples × heads in each bin. Distance bins default to octaves [2^k, 2^(k+1)); query bins to
 * 16 equal-width bins over [0, tokens). Bins are [lo, hi) in tokens. An empty bin reports
 * count 0 and NaN statistics.
 */
export interface LogitErrorInput extends QkGeometry {
  /** Reference post-RoPE queries, Float32Array [tokens, heads, headDim]. */
  refQ: Float32Array;
  /** Reference post-RoPE keys, Float32Array [tokens, kvHeads, headDim]. */
  refK: Float32Array;
  /** Quantized-run post-RoPE queries, same shape as refQ. */
  quantQ: Float32Array;
  /** Quantized-run post-RoPE keys, same shape as refK. */
  quantK: Float32Array;
  pairs: PositionPairs;
  /** Ascending distance bin edges in tokens (k bins need k + 1 edges). */
  distanceBinEdges?: readonly number[];
  /** Ascending query-position bin edges in tokens. */
  queryBinEdges?: readonly number[];
  /** Also summarise each head separately (default false: pooled only). */
  perHead?: boolean;
  /** Tail level for |ε| (default 0.99). */
  tailLevel?: QuantileLevel;
}

export interface LogitErrorBin {
  /** Inclusive lower edge, tokens. */
  lo: number;
  /** Exclusive upper edge, tokens. */
  hi: number;
  /** Samples × heads in the bin. */
  count: number;
  rmsByBand: number[];
  /** Tail of |ε_B| at tailLevel (named p99 after the default level). */
  p99ByBand: number[];
  rmsTotal: number;
  p99Total: number;
}

export interface LogitErrorSummary {
  overall: LogitErrorBin;
  distanceBins: LogitErrorBin[];
  queryBins: LogitErrorBin[];
}

export interface LogitErrorResult extends LogitErrorSummary {
  tailLevel: QuantileLevel;
  /** Per query head, when requested. */
  perHead?: LogitErrorSummary[];
}

/** Octave edges 1, 2, 4, … up to the first power of two > maxDistance. */
export function octaveEdges(maxDistance: number): number[] {
  const edges = [1];
  while (edges[edges.length - 1] <= maxDistance) edges.push(edges[edges.length - 1] * 2);
  return edges;
}

/** `binCount` equal-width integer edges over [0, tokens) (fewer bins when tokens < binCount). */
export function linearEdges(tokens: number, binCount: number): number[] {
  const bins = Math.max(1, Math.min(binCount, tokens));
  return Array.from({ length: bins + 1 }, (_, i) => Math.round((i * tokens) / bins));
}

/** See LogitErrorInput. Memory O(samples · heads · (bands + 1)). */
export function logitError(input: LogitErrorInput): LogitErrorResult {
  const { refQ, refK, quantQ, quantK, tokens, heads, kvHeads, headDim, rotaryDim, layout, bands, pairs } = input;
  checkTokenHeadTensor('logitError refQ', refQ, tokens, heads, headDim);
  checkTokenHeadTensor('logitError quantQ', quantQ, tokens, heads, headDim);
  checkTokenHeadTensor('logitError refK', refK, tokens, kvHeads, headDim);
  checkTokenHeadTensor('logitError quantK', quantK, tokens, kvHeads, headDim);
  if (heads % kvHeads !== 0) throw new Error(`logitError: heads ${heads} not a multiple of kvHeads ${kvHeads}`);
  const sampleCount = pairs.queryPos.length;
  if (pairs.keyPos.length !== sampleCount) throw new Error(`logitError: queryPos ${sampleCount} vs keyPos ${pairs.keyPos.length} samples`);
  const bandOfRow = bandIndexOfHeadRows(layout, headDim, rotaryDim, bands);
  const bandCount = bands.length;
  const columns = bandCount + 1; // last column = total
  const invSqrtD = 1 / Math.sqrt(headDim);
  const groupSize = heads / kvHeads;
  // eps[(s·heads + h)·columns + c]
  const eps = new Float64Array(sampleCount * heads * columns);
  let maxDistance = 1;
  for (let s = 0; s < sampleCount; s++) {
    const m = pairs.queryPos[s];
    const n = pairs.keyPos[s];
    if (!(m > n && n >= 0 && m < tokens)) throw new Error(`logitError: sample ${s} has (m ${m}, n ${n}); need 0 ≤ n < m < tokens ${tokens}`);
    if (m - n > maxDistance) maxDistance = m - n;
    for (let h = 0; h < heads; h++) {
      const qBase = (m * heads + h) * headDim;
      const kBase = (n * kvHeads + Math.floor(h / groupSize)) * headDim;
      const out = (s * heads + h) * columns;
      let total = 0;
      for (let r = 0; r < headDim; r++) {
        const d = quantQ[qBase + r] * quantK[kBase + r] - refQ[qBase + r] * refK[kBase + r];
        total += d;
        const b = bandOfRow[r];
        if (b >= 0) eps[out + b] += d * invSqrtD;
      }
      eps[out + bandCount] = total * invSqrtD;
    }
  }
  const distanceEdges = input.distanceBinEdges ?? octaveEdges(maxDistance);
  const queryEdges = input.queryBinEdges ?? linearEdges(tokens, 16);
  checkEdges('distanceBinEdges', distanceEdges);
  checkEdges('queryBinEdges', queryEdges);
  const distanceBin = new Int32Array(sampleCount);
  const queryBin = new Int32Array(sampleCount);
  for (let s = 0; s < sampleCount; s++) {
    distanceBin[s] = findBin(distanceEdges, pairs.queryPos[s] - pairs.keyPos[s]);
    queryBin[s] = findBin(queryEdges, pairs.queryPos[s]);
  }
  const tailLevel = input.tailLevel ?? 0.99;
  const summarise = (headLo: number, headHi: number): LogitErrorSummary => ({
    overall: summariseBin(eps, columns, heads, headLo, headHi, null, 0, distanceEdges[0], distanceEdges[distanceEdges.length - 1], tailLevel, sampleCount),
    distanceBins: binsOf(eps, columns, heads, headLo, headHi, distanceBin, distanceEdges, tailLevel, sampleCount),
    queryBins: binsOf(eps, columns, heads, headLo, headHi, queryBin, queryEdges, tailLevel, sampleCount),
  });
  const result: LogitErrorResult = { tailLevel, ...summarise(0, heads) };
  if (input.perHead) result.perHead = Array.from({ length: heads }, (_, h) => summarise(h, h + 1));
  return result;
}

function checkEdges(name: string, edges: readonly number[]): void {
  if (edges.length < 2) throw new Error(`logitError: ${name} needs ≥ 2 edges, got ${edges.length}`);
  for (let i = 1; i < edges.length; i++)
    if (!(edges[i] > edges[i - 1])) throw new Error(`logitError: ${name} not ascending at ${i}: ${edges[i - 1]}, ${edges[i]}`);
}

/** Index of the [lo, hi) bin holding value, or −1 outside all bins. */
function findBin(edges: readonly number[], value: number): number {
  if (value < edges[0] || value >= edges[edges.length - 1]) return -1;
  let lo = 0;
  let hi = edges.length - 1;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (value >= edges[mid]) lo = mid;
    else hi = mid;
  }
  return lo;
}

function binsOf(
  eps: Float64Array,
  columns: number,
  heads: number,
  headLo: number,
  headHi: number,
  binOfSample: Int32Array,
  edges: readonly number[],
  level: QuantileLevel,
  sampleCount: number,
): LogitErrorBin[] {
  const out: LogitErrorBin[] = [];
  for (let bin = 0; bin + 1 < edges.length; bin++) {
    out.push(summariseBin(eps, columns, heads, headLo, headHi, binOfSample, bin, edges[bin], edges[bin + 1], level, sampleCount));
  }
  return out;
}

function summariseBin(
  eps: Float64Array,
  columns: number,
  heads: number,
  headLo: number,
  headHi: number,
  binOfSample: Int32Array | null,
  bin: number,
  lo: number,
  hi: number,
  level: QuantileLevel,
  sampleCount: number,
): LogitErrorBin {
  let samplesIn = 0;
  for (let s = 0; s < sampleCount; s++) if (binOfSample === null || binOfSample[s] === bin) samplesIn++;
  const count = samplesIn * (headHi - headLo);
  const values = new Float64Array(count);
  const rmsCol: number[] = [];
  const tailCol: number[] = [];
  for (let c = 0; c < columns; c++) {
    let o = 0;
    let sumSq = 0;
    for (let s = 0; s < sampleCount; s++) {
      if (binOfSample !== null && binOfSample[s] !== bin) continue;
      for (let h = headLo; h < headHi; h++) {
        const e = eps[(s * heads + h) * columns + c];
        sumSq += e * e;
        values[o++] = Math.abs(e);
      }
    }
    if (count === 0) {
      rmsCol.push(Number.NaN);
      tailCol.push(Number.NaN);
      continue;
    }
    rmsCol.push(Math.sqrt(sumSq / count));
    // Selection, not a sort: the same order statistics (lib/diagnostics/select.ts).
    tailCol.push(quantileInPlace(values, level));
  }
  return {
    lo,
    hi,
    count,
    rmsByBand: rmsCol.slice(0, columns - 1),
    p99ByBand: tailCol.slice(0, columns - 1),
    rmsTotal: rmsCol[columns - 1],
    p99Total: tailCol[columns - 1],
  };
}
