import { halfBitsToNumber } from './halfScalar';

// Block decoders for ggml's 32-element formats, following ggml-quants.c
// dequantize_row_q{4_0,4_1,5_0,5_1,8_0}: every product/sum is rounded to float32
// (Math.fround) in the same order as the C reference, so results are bit-exact
// for builds without FMA contraction.

const fr = Math.fround;

function checkSizes(name: string, blockBytes: number, bytes: Uint8Array, elementCount: number, out: Float32Array): number {
  if (elementCount % 32 !== 0) throw new Error(`${name}: elementCount ${elementCount} is not a multiple of 32`);
  const blocks = elementCount / 32;
  if (bytes.length < blocks * blockBytes) {
    throw new Error(`${name}: need ${blocks * blockBytes} bytes for ${elementCount} elements, got ${bytes.length}`);
  }
  if (out.length < elementCount) throw new Error(`${name}: output holds ${out.length} < ${elementCount} elements`);
  return blocks;
}

/**
 * Q4_0 blocks → float32. Input: `elementCount/32` blocks of 18 bytes (fp16 d, 16 bytes of
 * nibbles: low nibble = element j, high nibble = element j+16). x = (q − 8)·d.
 * Output: out[0 … elementCount−1], block order = element order.
 */
export function dequantizeQ4_0(bytes: Uint8Array, elementCount: number, out: Float32Array): void {
  const blocks = checkSizes('Q4_0', 18, bytes, elementCount, out);
  for (let b = 0; b < blocks; b++) {
    const base = b * 18;
    const d = fr(halfBitsToNumber(bytes[base] | (bytes[base + 1] << 8)));
    const y = b * 32;
    for (let j = 0; j < 16; j++) {
      const q = bytes[base + 2 + j];
      out[y + j] = fr(((q & 0x0f) - 8) * d);
      out[y + j + 16] = fr(((q >> 4) - 8) * d);
    }
  }
}

/** Q4_1: 20-byte blocks (fp16 d, fp16 m, 16 nibble bytes); x = q·d + m. Shapes as Q4_0. */
export function dequantizeQ4_1(bytes: Uint8Array, elementCount: number, out: Float32Array): void {
  const blocks = checkSizes('Q4_1', 20, bytes, elementCount, out);
  for (let b = 0; b < blocks; b++) {
    const base = b * 20;
    const d = fr(halfBitsToNumber(bytes[base] | (bytes[base + 1] << 8)));
    const m = fr(halfBitsToNumber(bytes[base + 2] | (bytes[base + 3] << 8)));
    const y = b * 32;
    for (let j = 0; j < 16; j++) {
      const q = bytes[base + 4 + j];
      out[y + j] = fr(fr((q & 0x0f) * d) + m);
      out[y + j + 16] = fr(fr((q >> 4) * d) + m);
    }
  }
}

/**
 * Q5_0: 22-byte blocks (fp16 d, uint32 LE qh, 16 nibble bytes). Bit j of qh is the 5th bit
 * of element j (j < 32). x = (q − 16)·d.
 */
export function dequantizeQ5_0(bytes: Uint8Array, elementCount: number, out: Float32Array): void {
  const blocks = checkSizes('Q5_0', 22, bytes, elementCount, out);
  for (let b = 0; b < blocks; b++) {
    const base = b * 22;
    const d = fr(halfBitsToNumber(bytes[base] | (bytes[base + 1] << 8)));
    const qh = (bytes[base + 2] | (bytes[base + 3] << 8) | (bytes[base + 4] << 16) | (bytes[base + 5] << 24)) >>> 0;
    const y = b * 32;
    for (let j = 0; j < 16; j++) {
      const q = bytes[base + 6 + j];
      const hi0 = ((qh >>> j) & 1) << 4;
      const hi1 = ((qh >>> (j + 16)) & 1) << 4;
      out[y + j] = fr((((q & 0x0f) | hi0) - 16) * d);
      out[y + j + 16] = fr((((q >> 4) | hi1) - 16) * d);
    }
  }
}

/** Q5_1: 24-byte blocks (fp16 d, fp16 m, uint32 qh, 16 nibble bytes); x = q·d + m. */
export function dequantizeQ5_1(bytes: Uint8Array, elementCount: number, out: Float32Array): void {
  const blocks = checkSizes('Q5_1', 24, bytes, elementCount, out);
  for (let b = 0; b < blocks; b++) {
    const base = b * 24;
    const d = fr(halfBitsToNumber(bytes[base] | (bytes[base + 1] << 8)));
    const m = fr(halfBitsToNumber(bytes[base + 2] | (bytes[base + 3] << 8)));
    const qh = (bytes[base + 4] | (bytes[base + 5] << 8) | (bytes[base + 6] << 16) | (bytes[base + 7] << 24)) >>> 0;
    const y = b * 32;
    for (let j = 0; j < 16; j++) {
      const q = bytes[base + 8 + j];
      const hi0 = ((qh >>> j) & 1) << 4;
      const hi1 = ((qh >>> (j + 16)) & 1) << 4;
      out[y + j] = fr(fr(((q & 0x0f) | hi0) * d) + m);
      out[y + j + 16] = fr(fr(((q >> 4) | hi1) * d) + m);
    }
  }
}

/** Q8_0: 34-byte blocks (fp16 d, 32 int8); x = q·d. */
export function dequantizeQ8_0(bytes: Uint8Array, elementCount: number, out: Float32Array): void {
  const blocks = checkSizes('Q8_0', 34, bytes, elementCount, out);
  for (let b = 0; b < blocks; b++) {
    const base = b * 34;
    const d = fr(halfBitsToNumber(bytes[base] | (bytes[base + 1] << 8)));
    const y = b * 32;
    for (let j = 0; j < 32; j++) {
      out[y + j] = fr(((bytes[base + 2 + j] << 24) >> 24) * d);
    }
  }
}
