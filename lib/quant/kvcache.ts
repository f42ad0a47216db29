/**
 * KV-cache quantization simulation (SPEC §3): symmetric abs-max int8 / int4 fake-quant of a key or
 * value tensor, per-token or per-channel.
 *
 * Tensor layout: float32 [tokens, heads, headDim], row-major, headDim contiguous (one token's
 * heads one after another). The function quantizes whatever tensor it is given: whether keys are
 * taken before or after RoPE is the engine's choice (KvQuantSpec.keyRope), not this module's.
 *
 * Grid: q = clamp(roundHalfEven(x / s), −qmax, qmax), x̂ = q·s with qmax = 2^(bits−1) − 1 (127 or
 * 7). The grid is kept symmetric (no −qmax−1 code) so Q(−x) = −Q(x), which the Q-ROAR symmetric
 * rescaling analysis (REFERENCE §5.4) relies on. Every step is rounded to float32.
 * - per-token: one scale per (token, head) over headDim, s = max|x|/qmax. Never clips.
 * - per-channel: one scale per (head, channel) over tokens, calibrated on a short context with
 *   `calibrateKvPerChannel` and then applied to the long context; values beyond the calibrated
 *   range saturate at ±qmax·s and are counted in `clippedCount`.
 */
import { roundHalfEven } from './round';

export interface KvDims {
  tokens: number;
  heads: number;
  headDim: number;
}

export type KvBits = 4 | 8;

export type KvFakeQuantOptions =
  | { bits: KvBits; granularity: 'token' }
  | { bits: KvBits; granularity: 'channel'; /** float32 [heads, headDim] from calibrateKvPerChannel. */ channelScales: Float32Array };

export interface KvFakeQuantResult {
  /** float32 [tokens, heads, headDim], same layout as the input. */
  values: Float32Array;
  /** Elements whose code would have fallen outside ±qmax (per-channel only; always 0 per-token). */
  clippedCount: number;
}

const f32 = Math.fround;

function checkKv(len: number, dims: KvDims, bits: number, fn: string): void {
  const { tokens, heads, headDim } = dims;
  for (const [name, v] of [
    ['tokens', tokens],
    ['heads', heads],
    ['headDim', headDim],
  ] as const) {
    if (!Number.isInteger(v) || v < 1) throw new Error(`${fn}: ${name} must be a positive integer, got ${v}`);
  }
  if (len !== tokens * heads * headDim) {
    throw new Error(`${fn}: tensor has ${len} elements, expected [tokens=${tokens}, heads=${heads}, headDim=${headDim}] = ${tokens * heads * headDim}`);
  }
  if (bits !== 4 && bits !== 8) throw new Error(`${fn}: bits must be 4 or 8, got ${bits}`);
}

/** Largest symmetric code for bits (127 for int8, 7 for int4). */
export function kvQMax(bits: KvBits): number {
  return 2 ** (bits - 1) - 1;
}

/**
 * Per-channel scales from a calibration tensor calib [tokens, heads, headDim] (tokens = the short
 * calibration context): s[h, d] = float32(max over tokens |calib[t, h, d]| / qmax).
 * Returns float32 [heads, headDim].
 */
export function calibrateKvPerChannel(calib: Float32Array, dims: KvDims, bits: KvBits): Float32Array {
  checkKv(calib.length, dims, bits, 'calibrateKvPerChannel');
  const { tokens, heads, headDim } = dims;
  const width = heads * headDim;
  const absMax = new Float32Array(width);
  for (let t = 0; t < tokens; t++) {
    const base = t * width;
    for (let c = 0; c < width; c++) {
      const a = Math.abs(calib[base + c]);
      if (a > absMax[c]) absMax[c] = a;
    }
  }
  const qmax = kvQMax(bits);
  for (let c = 0; c < width; c++) absMax[c] = absMax[c] / qmax;
  return absMax;
}

/**
 * Fake-quantizes x [tokens, heads, headDim] (any token count; per-channel scales were calibrated
 * separately). A zero scale means a grid of {0}: every value maps to 0 (and counts as clipped if
 * nonzero, for per-channel).
 */
export function kvFakeQuant(x: Float32Array, dims: KvDims, opts: KvFakeQuantOptions): KvFakeQuantResult {
  checkKv(x.length, dims, opts.bits, 'kvFakeQuant');
  const { tokens, heads, headDim } = dims;
  const qmax = kvQMax(opts.bits);
  const values = new Float32Array(x.length);
  let clippedCount = 0;
  if (opts.granularity === 'token') {
    for (let g = 0; g < tokens * heads; g++) {
      const start = g * headDim;
      const end = start + headDim;
      let absMax = 0;
      for (let i = start; i < end; i++) {
        const a = Math.abs(x[i]);
        if (a > absMax) absMax = a;
      }
      const s = f32(absMax / qmax);
      if (s === 0) continue; // all-zero group: values stay 0
      for (let i = start; i < end; i++) {
        let q = roundHalfEven(f32(x[i] / s));
        if (q > qmax)
          q = qmax; // only reachable through float rounding of absMax/qmax·qmax
        else if (q < -qmax) q = -qmax;
        values[i] = q * s;
      }
    }
    return { values, clippedCount };
  }
  const scales = opts.channelScales;
  const width = heads * headDim;
  if (scales.length !== width) {
    throw new Error(`kvFakeQuant: channelScales has ${scales.length} elements, expected [heads=${heads}, headDim=${headDim}] = ${width}`);
  }
  for (let t = 0; t < tokens; t++) {
    const base = t * width;
    for (let c = 0; c < width; c++) {
      const v = x[base + c];
      const s = scales[c];
      if (s === 0) {
        if (v !== 0) clippedCount++;
        continue;
      }
      let q = roundHalfEven(f32(v / s));
      if (q > qmax) {
        q = qmax;
        clippedCount++;
      } else if (q < -qmax) {
        q = -qmax;
        clippedCount++;
      }
      values[base + c] = q * s;
    }
  }
  return { values, clippedCount };
}
