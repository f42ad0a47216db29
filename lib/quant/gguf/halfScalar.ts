/**
 * Scalar IEEE half / bfloat16 decoding for block headers (d, dmin, m).
 * Kept local to the GGUF decoders so they read one value at a time without
 * allocating; exact for every bit pattern (subnormals, ±Inf, NaN).
 */
export function halfBitsToNumber(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >> 10) & 0x1f;
  const mantissa = bits & 0x3ff;
  if (exponent === 0) return sign * mantissa * 2 ** -24;
  if (exponent === 0x1f) return mantissa === 0 ? sign * Infinity : NaN;
  return sign * (1024 + mantissa) * 2 ** (exponent - 25);
}

/** bfloat16 bits (upper half of a float32) → number. */
export function bf16BitsToNumber(bits: number, scratch: Float32Array, scratchBits: Uint32Array): number {
  scratchBits[0] = (bits & 0xffff) << 16;
  return scratch[0];
}

/**
 * Nearest half to a float32 value, ties to even (ggml's GGML_FP32_TO_FP16 on hosts
 * without F16C behaves the same for finite in-range inputs). Returns the 16 bits.
 */
export function numberToHalfBits(value: number): number {
  const f = Math.fround(value);
  if (Number.isNaN(f)) return 0x7e00;
  const sign = f < 0 || Object.is(f, -0) ? 0x8000 : 0;
  const a = Math.abs(f);
  if (a >= 65520) return sign | 0x7c00;
  if (a < 2 ** -14) {
    // Subnormal: units of 2^-24, round half to even.
    return sign | roundHalfEven(a * 2 ** 24);
  }
  let exponent = Math.floor(Math.log2(a));
  if (2 ** exponent > a) exponent -= 1;
  if (2 ** (exponent + 1) <= a) exponent += 1;
  const scaled = roundHalfEven((a / 2 ** exponent) * 1024); // 1024 … 2048
  if (scaled === 2048) {
    exponent += 1;
    if (exponent > 15) return sign | 0x7c00;
    return sign | ((exponent + 15) << 10);
  }
  return sign | ((exponent + 15) << 10) | (scaled - 1024);
}

function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r;
}
