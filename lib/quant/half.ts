/**
 * IEEE binary16 (fp16) and bfloat16 <-> float32 bit conversions.
 *
 * Everything works on raw bit patterns held in Uint16Array / Uint32Array so that NaN payloads,
 * signed zeros and subnormals survive exactly (a JS number round trip would canonicalise NaNs).
 * Float32 -> half conversions round to nearest, ties to even, like numpy, PyTorch and
 * ggml's `GGML_FP32_TO_FP16` on hardware with F16C; values at or above 65520 become ±inf.
 * NaNs stay NaN (quiet bit forced so a payload that lives only in the dropped low bits cannot
 * turn into an infinity).
 */

// Scratch views for the scalar helpers: one float32 aliased as its uint32 bit pattern.
const scratchF32 = new Float32Array(1);
const scratchU32 = new Uint32Array(scratchF32.buffer);

/** float32 bit pattern (uint32) -> fp16 bit pattern (uint16), round-to-nearest-even. */
function f32BitsToF16Bits(f32Bits: number): number {
  const sign = (f32Bits >>> 16) & 0x8000;
  const abs = f32Bits & 0x7fffffff;
  if (abs >= 0x7f800000) {
    if (abs === 0x7f800000) return sign | 0x7c00;
    return sign | 0x7e00 | ((abs >>> 13) & 0x3ff);
  }
  // 2^16 and above: past the largest finite fp16 (65504) by more than half an ulp.
  if (abs >= 0x47800000) return sign | 0x7c00;
  const exp32 = abs >>> 23;
  if (exp32 < 113) {
    // Result is an fp16 subnormal (or zero): value / 2^-24 = mantissa * 2^(exp32 - 126).
    // 2^-25 (exp32 102) is an exact tie between 0 and 2^-24 and goes to the even code 0.
    if (exp32 < 102) return sign;
    const mant = (abs & 0x7fffff) | 0x800000;
    const shift = 126 - exp32;
    let q = mant >>> shift;
    const rem = mant & ((1 << shift) - 1);
    const half = 1 << (shift - 1);
    if (rem > half || (rem === half && (q & 1) === 1)) q += 1;
    return sign | q; // q may carry to 0x400, which is exactly the smallest normal
  }
  let h = ((exp32 - 112) << 10) | ((abs >>> 13) & 0x3ff);
  const rem = abs & 0x1fff;
  // A carry out of the mantissa bumps the exponent, which is the correct encoding (up to inf).
  if (rem > 0x1000 || (rem === 0x1000 && (h & 1) === 1)) h += 1;
  return sign | h;
}

/** fp16 bit pattern -> float32 bit pattern (exact; every fp16 value is a float32). */
function f16BitsToF32Bits(h: number): number {
  const sign = (h & 0x8000) << 16;
  const exp16 = (h >>> 10) & 0x1f;
  let mant = h & 0x3ff;
  if (exp16 === 0x1f) return (sign | 0x7f800000 | (mant << 13)) >>> 0;
  if (exp16 === 0) {
    if (mant === 0) return sign >>> 0;
    // Subnormal: normalise so the leading one becomes the implicit bit.
    let exp32 = 113;
    while ((mant & 0x400) === 0) {
      mant <<= 1;
      exp32 -= 1;
    }
    return (sign | (exp32 << 23) | ((mant & 0x3ff) << 13)) >>> 0;
  }
  return (sign | ((exp16 + 112) << 23) | (mant << 13)) >>> 0;
}

function f32BitsToBf16Bits(f32Bits: number): number {
  if ((f32Bits & 0x7fffffff) > 0x7f800000) return ((f32Bits >>> 16) | 0x40) & 0xffff;
  const lsb = (f32Bits >>> 16) & 1;
  return ((f32Bits + 0x7fff + lsb) >>> 16) & 0xffff;
}

/** fp16 bits (one per element, [n]) -> float32 values [n]; exact, payloads preserved. */
export function fp16BitsToFloat32(bits: Uint16Array): Float32Array {
  const out = new Float32Array(bits.length);
  const outBits = new Uint32Array(out.buffer);
  for (let i = 0; i < bits.length; i++) outBits[i] = f16BitsToF32Bits(bits[i]);
  return out;
}

/** bfloat16 bits [n] -> float32 values [n]; exact (bf16 is the top half of a float32). */
export function bf16BitsToFloat32(bits: Uint16Array): Float32Array {
  const out = new Float32Array(bits.length);
  const outBits = new Uint32Array(out.buffer);
  for (let i = 0; i < bits.length; i++) outBits[i] = bits[i] << 16;
  return out;
}

/**
 * Expands 16-bit floats stored in the upper half of `out`'s own bytes into `out` itself:
 * `out` is float32 [n] whose bytes [2n, 4n) hold the n fp16/bf16 bit patterns (little-endian, as a
 * file stores them). Lets a reader put a tensor's file bytes straight into the float32 array it
 * returns — one allocation and no copy (what `readSafetensorsF32` does for F16/BF16). Exact as
 * `fp16BitsToFloat32`/`bf16BitsToFloat32`. In place is safe front to back: element i writes bytes
 * [4i, 4i + 4), which only hold bit patterns 2i and 2i + 1 (≤ n + i, already read).
 */
export function halfBitsToFloat32InPlace(out: Float32Array, format: 'f16' | 'bf16'): Float32Array {
  const n = out.length;
  const bits = new Uint16Array(out.buffer, out.byteOffset, 2 * n);
  const outBits = new Uint32Array(out.buffer, out.byteOffset, n);
  if (format === 'bf16') for (let i = 0; i < n; i++) outBits[i] = bits[n + i] << 16;
  else for (let i = 0; i < n; i++) outBits[i] = f16BitsToF32Bits(bits[n + i]);
  return out;
}

/** float32 values [n] -> fp16 bits [n], round-to-nearest-even; overflow -> ±inf, NaN -> NaN. */
export function float32ToFp16Bits(values: Float32Array): Uint16Array {
  const inBits = new Uint32Array(values.buffer, values.byteOffset, values.length);
  const out = new Uint16Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = f32BitsToF16Bits(inBits[i]);
  return out;
}

/** float32 values [n] -> bfloat16 bits [n], round-to-nearest-even; NaN stays a quiet NaN. */
export function float32ToBf16Bits(values: Float32Array): Uint16Array {
  const inBits = new Uint32Array(values.buffer, values.byteOffset, values.length);
  const out = new Uint16Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = f32BitsToBf16Bits(inBits[i]);
  return out;
}

function checkBits16(bits: number, fn: string): void {
  if (!Number.isInteger(bits) || bits < 0 || bits > 0xffff) {
    throw new Error(`${fn}: expected a 16-bit pattern 0..65535, got ${bits}`);
  }
}

/** One fp16 bit pattern (0..65535) -> its value as a number (exact). */
export function fp16ToFloat32(bits: number): number {
  checkBits16(bits, 'fp16ToFloat32');
  scratchU32[0] = f16BitsToF32Bits(bits);
  return scratchF32[0];
}

/** One bfloat16 bit pattern (0..65535) -> its value as a number (exact). */
export function bf16ToFloat32(bits: number): number {
  checkBits16(bits, 'bf16ToFloat32');
  scratchU32[0] = bits << 16;
  return scratchF32[0];
}

/**
 * A number -> fp16 bit pattern. The number is first rounded to float32 (Math.fround), i.e. this
 * converts the float32 the caller would have stored, matching `float32ToFp16Bits`.
 */
export function float32ToFp16(x: number): number {
  scratchF32[0] = x;
  return f32BitsToF16Bits(scratchU32[0]);
}

/** A number -> bfloat16 bit pattern, via float32 like `float32ToFp16`. */
export function float32ToBf16(x: number): number {
  scratchF32[0] = x;
  return f32BitsToBf16Bits(scratchU32[0]);
}
