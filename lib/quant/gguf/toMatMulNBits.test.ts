import { describe, expect, it } from 'vitest';
import { unpackMatMulNBits } from '../matmulnbits';
import { dequantizeQ4_0, dequantizeQ8_0 } from './legacyBlocks';
import { quantizeQ4_0Ref, quantizeQ8_0Ref } from './quantizeRef';
import { nbitsFromGgufBlocks } from './toMatMulNBits';

const N = 6;
const K = 96;
const values = Float32Array.from({ length: N * K }, (_, i) => Math.sin(i * 0.37) * (1 + (i % 7)));

describe('GGUF Q4_0 / Q8_0 → MatMulNBits', () => {
  for (const [dtype, quantize, dequantize] of [
    ['Q4_0', quantizeQ4_0Ref, dequantizeQ4_0],
    ['Q8_0', quantizeQ8_0Ref, dequantizeQ8_0],
  ] as const) {
    it(`${dtype}: MatMulNBits' dequantization equals ggml's block decoder bit for bit`, () => {
      const bytes = quantize(values);
      const ggml = new Float32Array(N * K);
      dequantize(bytes, N * K, ggml);
      const w = nbitsFromGgufBlocks(dtype, bytes, N, K)!;
      expect(w.zeroPoints).toBeUndefined();
      const unpacked = unpackMatMulNBits({ b: w.packed, scales: w.scales, attributes: { K, N, bits: w.bits, block_size: w.blockSize } });
      expect(Array.from(unpacked)).toEqual(Array.from(ggml));
    });
  }
  it('other types are not repacked, and bad shapes are refused with the numbers', () => {
    expect(nbitsFromGgufBlocks('Q4_1', new Uint8Array(0), 1, 32)).toBeNull();
    expect(() => nbitsFromGgufBlocks('Q8_0', new Uint8Array(10), 1, 48)).toThrow(/48 is not a multiple of 32/);
    expect(() => nbitsFromGgufBlocks('Q8_0', new Uint8Array(10), 1, 32)).toThrow(/needs 34 bytes, got 10/);
  });
});
