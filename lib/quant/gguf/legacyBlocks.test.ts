import { describe, expect, it } from 'vitest';
import { dequantizeGgml } from './dequantize';
import { seededBytes } from './testRng';

// Expected values are computed per element from the format definition (REFERENCE §14,
// ggml-common.h), indexing the block bytes directly; d and m are powers of two so the
// float32 products are exact.
const D_HALF = [0x00, 0x38]; // 0.5
const M_HALF = [0x00, 0xb4]; // -0.25

function blocksOf(blockCount: number, header: number[], bodyBytes: number, seed: number): Uint8Array {
  const body = seededBytes(seed, blockCount * bodyBytes);
  const out = new Uint8Array(blockCount * (header.length + bodyBytes));
  for (let b = 0; b < blockCount; b++) {
    out.set(header, b * (header.length + bodyBytes));
    out.set(body.subarray(b * bodyBytes, (b + 1) * bodyBytes), b * (header.length + bodyBytes) + header.length);
  }
  return out;
}

describe('legacy 32-element blocks', () => {
  it('Q8_0: x = int8 · d', () => {
    const bytes = blocksOf(2, D_HALF, 32, 1);
    const got = dequantizeGgml('Q8_0', bytes, 64);
    for (let e = 0; e < 64; e++) {
      const raw = bytes[Math.floor(e / 32) * 34 + 2 + (e % 32)];
      const q = raw >= 128 ? raw - 256 : raw;
      expect(got[e]).toBe(q * 0.5);
    }
  });

  it('Q4_0: low nibble = element j, high = j + 16, x = (q − 8)·d', () => {
    const bytes = blocksOf(3, D_HALF, 16, 2);
    const got = dequantizeGgml('Q4_0', bytes, 96);
    for (let e = 0; e < 96; e++) {
      const b = Math.floor(e / 32);
      const j = e % 32;
      const byte = bytes[b * 18 + 2 + (j % 16)];
      const q = j < 16 ? byte & 15 : byte >> 4;
      expect(got[e]).toBe((q - 8) * 0.5);
    }
  });

  it('Q4_1: x = q·d + m', () => {
    const bytes = blocksOf(2, [...D_HALF, ...M_HALF], 16, 3);
    const got = dequantizeGgml('Q4_1', bytes, 64);
    for (let e = 0; e < 64; e++) {
      const j = e % 32;
      const byte = bytes[Math.floor(e / 32) * 20 + 4 + (j % 16)];
      const q = j < 16 ? byte & 15 : byte >> 4;
      expect(got[e]).toBe(q * 0.5 - 0.25);
    }
  });

  it('Q5_0: 5th bit of element j is bit j of the LE uint32 qh, x = (q − 16)·d', () => {
    const bytes = blocksOf(2, D_HALF, 20, 4);
    const got = dequantizeGgml('Q5_0', bytes, 64);
    for (let e = 0; e < 64; e++) {
      const base = Math.floor(e / 32) * 22;
      const j = e % 32;
      const qhByte = bytes[base + 2 + (j >> 3)];
      const high = (qhByte >> (j & 7)) & 1;
      const byte = bytes[base + 6 + (j % 16)];
      const low = j < 16 ? byte & 15 : byte >> 4;
      expect(got[e]).toBe((low + 16 * high - 16) * 0.5);
    }
  });

  it('Q5_1: x = q·d + m with the 5th bit from qh', () => {
    const bytes = blocksOf(2, [...D_HALF, ...M_HALF], 20, 5);
    const got = dequantizeGgml('Q5_1', bytes, 64);
    for (let e = 0; e < 64; e++) {
      const base = Math.floor(e / 32) * 24;
      const j = e % 32;
      const high = (bytes[base + 4 + (j >> 3)] >> (j & 7)) & 1;
      const byte = bytes[base + 8 + (j % 16)];
      const low = j < 16 ? byte & 15 : byte >> 4;
      expect(got[e]).toBe((low + 16 * high) * 0.5 - 0.25);
    }
  });

  it('F16, BF16 and F32 decode little-endian values', () => {
    expect(Array.from(dequantizeGgml('F16', new Uint8Array([0x00, 0x3c, 0x00, 0xc0]), 2))).toEqual([1, -2]);
    expect(Array.from(dequantizeGgml('BF16', new Uint8Array([0x80, 0x3f, 0x40, 0xc0]), 2))).toEqual([1, -3]);
    const f32 = new Uint8Array(new Float32Array([1.5, -7]).buffer);
    expect(Array.from(dequantizeGgml('F32', f32, 2))).toEqual([1.5, -7]);
  });

  it('refuses wrong byte counts and unknown types', () => {
    expect(() => dequantizeGgml('Q8_0', new Uint8Array(33), 32)).toThrow(/need 34 bytes/);
    expect(() => dequantizeGgml('Q4_0', new Uint8Array(18), 31)).toThrow(/multiple of the block size 32/);
    expect(() => dequantizeGgml('IQ2_XXS', new Uint8Array(0), 0)).toThrow(/cannot dequantize/);
  });
});
