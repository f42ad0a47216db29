/**
 * GGUF Q4_0 / Q8_0 weights → com.microsoft.MatMulNBits, exactly (issue #11: "GGUF Q4_0/Q8_0
 * repacked into MatMulNBits blocks where that is exact"). Both are 32-element blocks with one
 * fp16 scale d and no offset — Q4_0: x = d·(q − 8), q ∈ [0, 15]; Q8_0: x = d·q, q ∈ [−128, 127] —
 * which is MatMulNBits' (code − zero_point)·scale with block_size 32 and the default zero point
 * 2^(bits−1) (8 and 128), so the codes move and the scales widen to float32; no value changes.
 * Only the nibble order differs: Q4_0 keeps element j in the low nibble and j + 16 in the high
 * nibble of byte j, MatMulNBits packs elements 2i, 2i + 1 low/high into byte i.
 * Other ggml types (offsets, super-blocks) are not exact in this layout: null, dequantize them.
 */
import type { NBitsLinear } from '../../onnx/weights';
import { halfBitsToNumber } from './halfScalar';

const BLOCK = 32;

/** ggml types this module repacks. */
export const NBITS_GGML_TYPES = ['Q4_0', 'Q8_0'] as const;

/**
 * A linear stored as `dtype` blocks, [outFeatures, inFeatures] (inFeatures contiguous, a multiple
 * of 32), as MatMulNBits weights; null for a type that does not map exactly.
 * Input: bytes = outFeatures · inFeatures/32 blocks (18 bytes each for Q4_0, 34 for Q8_0).
 */
export function nbitsFromGgufBlocks(dtype: string, bytes: Uint8Array, outFeatures: number, inFeatures: number): NBitsLinear | null {
  if (dtype !== 'Q4_0' && dtype !== 'Q8_0') return null;
  if (inFeatures % BLOCK !== 0) throw new Error(`${dtype}: inFeatures ${inFeatures} is not a multiple of ${BLOCK}`);
  const bits = dtype === 'Q4_0' ? 4 : 8;
  const blockBytes = dtype === 'Q4_0' ? 18 : 34;
  const blocks = (outFeatures * inFeatures) / BLOCK;
  if (bytes.length < blocks * blockBytes) throw new Error(`${dtype}: [${outFeatures}, ${inFeatures}] needs ${blocks * blockBytes} bytes, got ${bytes.length}`);
  const blob = (BLOCK * bits) / 8;
  const packed = new Uint8Array(blocks * blob);
  const scales = new Float32Array(blocks);
  for (let b = 0; b < blocks; b++) {
    const base = b * blockBytes;
    scales[b] = halfBitsToNumber(bytes[base] | (bytes[base + 1] << 8));
    const out = b * blob;
    if (bits === 4) {
      // Elements 0…15 are the low nibbles of bytes 0…15, elements 16…31 their high nibbles; output
      // byte i holds elements 2i (low) and 2i + 1 (high).
      const qs = base + 2;
      for (let i = 0; i < 8; i++) packed[out + i] = (bytes[qs + 2 * i] & 0x0f) | ((bytes[qs + 2 * i + 1] & 0x0f) << 4);
      for (let i = 0; i < 8; i++) packed[out + 8 + i] = (bytes[qs + 2 * i] >> 4) | (bytes[qs + 2 * i + 1] & 0xf0);
    } else {
      // int8 q → code q + 128 (two's complement: flip the sign bit).
      for (let e = 0; e < BLOCK; e++) packed[out + e] = bytes[base + 2 + e] ^ 0x80;
    }
  }
  return { kind: 'nbits', outFeatures, inFeatures, bits, blockSize: BLOCK, packed, scales };
}
