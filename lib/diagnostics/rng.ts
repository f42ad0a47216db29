/**
 * Seeded pseudo-random numbers for every sampled diagnostic (ARCHITECTURE: determinism —
 * the same settings give the same numbers on every run; product code never uses Math.random).
 *
 * Generator: mulberry32 (Tommy Ettinger's 32-bit state mixer). It is tiny, fast in JS
 * (pure 32-bit integer ops via Math.imul) and statistically adequate for choosing sample
 * positions; it is not cryptographic and has period 2^32.
 */
export interface SeededRng {
  /** Next unsigned 32-bit integer in [0, 2^32). */
  nextUint32(): number;
  /** Next float in [0, 1) with 32 bits of randomness. */
  nextFloat(): number;
  /** Next integer uniform in [0, maxExclusive); maxExclusive must be a positive integer ≤ 2^32. */
  nextInt(maxExclusive: number): number;
  /** Next standard normal draw (Box–Muller, one value per call). */
  nextGaussian(): number;
}

/**
 * Creates a mulberry32 generator from `seed` (any finite number; reduced to its low 32 bits
 * after truncation, so 1 and 1.7 give the same stream).
 */
export function createRng(seed: number): SeededRng {
  if (!Number.isFinite(seed)) throw new Error(`createRng: seed must be finite, got ${seed}`);
  let state = Math.trunc(seed) >>> 0;
  const nextUint32 = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
  const nextFloat = (): number => nextUint32() / 4294967296;
  const nextInt = (maxExclusive: number): number => {
    if (!Number.isInteger(maxExclusive) || maxExclusive <= 0 || maxExclusive > 4294967296) {
      throw new Error(`nextInt: maxExclusive must be an integer in 1…2^32, got ${maxExclusive}`);
    }
    // Multiply-shift instead of modulo: no modulo bias worth measuring at our sample sizes.
    return Math.floor(nextFloat() * maxExclusive);
  };
  const nextGaussian = (): number => {
    // 1 − u keeps the log argument in (0, 1].
    const u1 = 1 - nextFloat();
    const u2 = nextFloat();
    return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
  };
  return { nextUint32, nextFloat, nextInt, nextGaussian };
}
