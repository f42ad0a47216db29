import { halfBitsToNumber } from './halfScalar';

// K-quant super-block decoders (256 elements), after ggml-quants.c
// dequantize_row_q{4,5,6}_K, with float32 rounding in the reference's order.

const fr = Math.fround;
const QK_K = 256;

function checkSizes(name: string, blockBytes: number, bytes: Uint8Array, elementCount: number, out: Float32Array): number {
  if (elementCount % QK_K !== 0) throw new Error(`${name}: elementCount ${elementCount} is not a multiple of 256`);
  const blocks = elementCount / QK_K;
  if (bytes.length < blocks * blockBytes) {
    throw new Error(`${name}: need ${blocks * blockBytes} bytes for ${elementCount} elements, got ${bytes.length}`);
  }
  if (out.length < elementCount) throw new Error(`${name}: output holds ${out.length} < ${elementCount} elements`);
  return blocks;
}

/**
 * 6-bit (scale, min) of sub-block j (0…7) from the 12 packed bytes at `at`
 * (ggml get_scale_min_k4). Writes into pair[0] = scale, pair[1] = min.
 */
export function scaleMinK4(bytes: Uint8Array, at: number, j: number, pair: Int32Array): void {
  if (j < 4) {
    pair[0] = bytes[at + j] & 63;
    pair[1] = bytes[at + j + 4] & 63;
  } else {
    pair[0] = (bytes[at + j + 4] & 0x0f) | ((bytes[at + j - 4] >> 6) << 4);
    pair[1] = (bytes[at + j + 4] >> 4) | ((bytes[at + j] >> 6) << 4);
  }
}

/**
 * Q4_K: 144-byte super-blocks (fp16 d, fp16 dmin, 12 scale bytes, 128 code bytes).
 * Each 64-element chunk uses 32 code bytes: low nibbles → sub-block 2c, high → 2c+1.
 * x = (d·sc)·q − dmin·m. Output: out[0 … elementCount−1].
 */
export function dequantizeQ4_K(bytes: Uint8Array, elementCount: number, out: Float32Array): void {
  const blocks = checkSizes('Q4_K', 144, bytes, elementCount, out);
  const pair = new Int32Array(2);
  for (let b = 0; b < blocks; b++) {
    const base = b * 144;
    const d = fr(halfBitsToNumber(bytes[base] | (bytes[base + 1] << 8)));
    const dmin = fr(halfBitsToNumber(bytes[base + 2] | (bytes[base + 3] << 8)));
    const scalesAt = base + 4;
    let q = base + 16;
    let y = b * QK_K;
    for (let chunk = 0; chunk < 4; chunk++) {
      scaleMinK4(bytes, scalesAt, 2 * chunk, pair);
      const d1 = fr(d * pair[0]);
      const m1 = fr(dmin * pair[1]);
      scaleMinK4(bytes, scalesAt, 2 * chunk + 1, pair);
      const d2 = fr(d * pair[0]);
      const m2 = fr(dmin * pair[1]);
      for (let l = 0; l < 32; l++) out[y + l] = fr(fr(d1 * (bytes[q + l] & 0x0f)) - m1);
      for (let l = 0; l < 32; l++) out[y + 32 + l] = fr(fr(d2 * (bytes[q + l] >> 4)) - m2);
      q += 32;
      y += 64;
    }
  }
}

/**
 * Q5_K: 176-byte super-blocks (fp16 d, fp16 dmin, 12 scale bytes, 32 qh bytes, 128 ql bytes).
 * Chunk c (64 elements): low nibbles + qh bit 2c → sub-block 2c; high nibbles + bit 2c+1 → 2c+1.
 */
export function dequantizeQ5_K(bytes: Uint8Array, elementCount: number, out: Float32Array): void {
  const blocks = checkSizes('Q5_K', 176, bytes, elementCount, out);
  const pair = new Int32Array(2);
  for (let b = 0; b < blocks; b++) {
    const base = b * 176;
    const d = fr(halfBitsToNumber(bytes[base] | (bytes[base + 1] << 8)));
    const dmin = fr(halfBitsToNumber(bytes[base + 2] | (bytes[base + 3] << 8)));
    const scalesAt = base + 4;
    const qhAt = base + 16;
    let ql = base + 48;
    let y = b * QK_K;
    for (let chunk = 0; chunk < 4; chunk++) {
      const u1 = 1 << (2 * chunk);
      const u2 = 2 << (2 * chunk);
      scaleMinK4(bytes, scalesAt, 2 * chunk, pair);
      const d1 = fr(d * pair[0]);
      const m1 = fr(dmin * pair[1]);
      scaleMinK4(bytes, scalesAt, 2 * chunk + 1, pair);
      const d2 = fr(d * pair[0]);
      const m2 = fr(dmin * pair[1]);
      for (let l = 0; l < 32; l++) {
        const q = (bytes[ql + l] & 0x0f) + (bytes[qhAt + l] & u1 ? 16 : 0);
        out[y + l] = fr(fr(d1 * q) - m1);
      }
      for (let l = 0; l < 32; l++) {
        const q = (bytes[ql + l] >> 4) + (bytes[qhAt + l] & u2 ? 16 : 0);
        out[y + 32 + l] = fr(fr(d2 * q) - m2);
      }
      ql += 32;
      y += 64;
    }
  }
}

/**
 * Q6_K: 210-byte super-blocks (128 ql bytes, 64 qh bytes, 16 int8 scales, fp16 d).
 * Per 128-element half n: element l+32k (k = 0…3) takes nibble (k ≥ 2 ? high : low) of
 * ql[l + 32·(k&1)] and bits 2k…2k+1 of qh[l]; scale index 8n + l/16 + 2k; x = (d·sc)·(q − 32).
 */
export function dequantizeQ6_K(bytes: Uint8Array, elementCount: number, out: Float32Array): void {
  const blocks = checkSizes('Q6_K', 210, bytes, elementCount, out);
  for (let b = 0; b < blocks; b++) {
    const base = b * 210;
    const d = fr(halfBitsToNumber(bytes[base + 208] | (bytes[base + 209] << 8)));
    for (let half = 0; half < 2; half++) {
      const ql = base + 64 * half;
      const qh = base + 128 + 32 * half;
      const sc = base + 192 + 8 * half;
      const y = b * QK_K + 128 * half;
      for (let l = 0; l < 32; l++) {
        const is = l >> 4;
        const h = bytes[qh + l];
        const q1 = ((bytes[ql + l] & 0x0f) | ((h & 3) << 4)) - 32;
        const q2 = ((bytes[ql + l + 32] & 0x0f) | (((h >> 2) & 3) << 4)) - 32;
        const q3 = ((bytes[ql + l] >> 4) | (((h >> 4) & 3) << 4)) - 32;
        const q4 = ((bytes[ql + l + 32] >> 4) | (((h >> 6) & 3) << 4)) - 32;
        out[y + l] = fr(fr(d * ((bytes[sc + is] << 24) >> 24)) * q1);
        out[y + l + 32] = fr(fr(d * ((bytes[sc + is + 2] << 24) >> 24)) * q2);
        out[y + l + 64] = fr(fr(d * ((bytes[sc + is + 4] << 24) >> 24)) * q3);
        out[y + l + 96] = fr(fr(d * ((bytes[sc + is + 6] << 24) >> 24)) * q4);
      }
    }
  }
}
