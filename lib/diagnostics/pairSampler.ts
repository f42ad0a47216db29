import { createRng } from './rng';

/**
 * Sampled (query m, key n) position pairs with m > n. Never L'×L' (SPEC §4): diagnostics
 * that need "all pairs" estimate their expectations from these samples.
 */
export interface PositionPairs {
  /** Query positions m, Int32Array[count], tokens. */
  queryPos: Int32Array;
  /** Key positions n, Int32Array[count], tokens; n = m − Δ with Δ ≥ minDistance. */
  keyPos: Int32Array;
}

export interface PairSamplerOptions {
  /** Smallest distance Δ = m − n sampled, tokens (default 1). */
  minDistance?: number;
  /** Largest distance sampled, tokens (default tokens − 1). */
  maxDistance?: number;
}

/**
 * Deterministic, distance-stratified sampler of causal position pairs.
 *
 * Scheme: distances [minDistance, maxDistance] are cut into octave bins
 * [minDistance·2^k, minDistance·2^(k+1)) (the last clipped at maxDistance). The `count`
 * samples are split as evenly as possible over the bins (earlier bins take the remainder),
 * so short and long distances are equally represented even though uniform (m, n) sampling
 * would put almost all mass at Δ ~ L'/3. Within a bin Δ is uniform over its integers
 * (≈ log-uniform at octave width); then m is uniform over [Δ, tokens − 1] and n = m − Δ.
 * Sampling is with replacement. Pairs come out grouped by bin, short distances first.
 * Expectations over these samples are therefore weighted equally per distance octave,
 * not per (m, n) pair; the UI states that.
 *
 * Output: PositionPairs with count entries. Seeded by `seed` (createRng).
 */
export function pairSampler(tokens: number, count: number, seed: number, options: PairSamplerOptions = {}): PositionPairs {
  if (!Number.isInteger(tokens) || tokens < 2) throw new Error(`pairSampler: tokens must be an integer ≥ 2, got ${tokens}`);
  if (!Number.isInteger(count) || count < 0) throw new Error(`pairSampler: count must be a non-negative integer, got ${count}`);
  const minDistance = options.minDistance ?? 1;
  const maxDistance = options.maxDistance ?? tokens - 1;
  if (!Number.isInteger(minDistance) || minDistance < 1) throw new Error(`pairSampler: minDistance must be an integer ≥ 1, got ${minDistance}`);
  if (!Number.isInteger(maxDistance) || maxDistance > tokens - 1 || maxDistance < minDistance) {
    throw new Error(`pairSampler: need minDistance ${minDistance} ≤ maxDistance ${maxDistance} ≤ tokens − 1 = ${tokens - 1}`);
  }
  const binLo: number[] = [];
  const binHi: number[] = [];
  for (let lo = minDistance; lo <= maxDistance; lo *= 2) {
    binLo.push(lo);
    binHi.push(Math.min(2 * lo - 1, maxDistance));
  }
  const binCount = binLo.length;
  const rng = createRng(seed);
  const queryPos = new Int32Array(count);
  const keyPos = new Int32Array(count);
  const base = Math.floor(count / binCount);
  const extra = count % binCount;
  let out = 0;
  for (let bin = 0; bin < binCount; bin++) {
    const inBin = base + (bin < extra ? 1 : 0);
    const lo = binLo[bin];
    const width = binHi[bin] - lo + 1;
    for (let s = 0; s < inBin; s++) {
      const distance = lo + rng.nextInt(width);
      const m = distance + rng.nextInt(tokens - distance);
      queryPos[out] = m;
      keyPos[out] = m - distance;
      out++;
    }
  }
  return { queryPos, keyPos };
}
