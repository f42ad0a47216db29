import { describe, expect, it } from 'vitest';
import { dequantizeGgml } from './dequantize';
import { scaleRowBlocksInPlace } from './scaleBlocks';
import { seededBytes } from './testRng';
import { ggmlByteLength, ggmlTypeByName } from './types';

/** Random blocks whose fp16 scale fields hold moderate finite values. */
function randomRows(type: string, rows: number, rowElements: number, seed: number): Uint8Array {
  const info = ggmlTypeByName(type)!;
  const bytes = seededBytes(seed, rows * ggmlByteLength(info, rowElements));
  if (type === 'F16' || type === 'BF16' || type === 'F32') {
    const f = new Float32Array(rows * rowElements).map((_, i) => Math.sin(i) * 3);
    if (type === 'F32') return new Uint8Array(f.buffer);
    const out = new Uint8Array(f.length * 2);
    for (let i = 0; i < f.length; i++) {
      const bits = type === 'BF16' ? new Uint32Array(new Float32Array([f[i]]).buffer)[0] >>> 16 : 0x3800 + (i % 256);
      out[2 * i] = bits & 0xff;
      out[2 * i + 1] = bits >> 8;
    }
    return out;
  }
  const scaleOffsets: Record<string, number[]> = { Q4_0: [0], Q4_1: [0, 2], Q5_0: [0], Q5_1: [0, 2], Q8_0: [0], Q4_K: [0, 2], Q5_K: [0, 2], Q6_K: [208] };
  for (let b = 0; b < bytes.length / info.blockBytes; b++) {
    for (const off of scaleOffsets[type]) {
      bytes[b * info.blockBytes + off] = (b * 37 + off) & 0xff;
      bytes[b * info.blockBytes + off + 1] = 0x30 + (b % 8) + (off === 2 ? 0x80 : 0); // |scale| in [2^-3, 2^-1)
    }
  }
  return bytes;
}

describe('scaleRowBlocksInPlace', () => {
  for (const type of ['Q8_0', 'Q4_0', 'Q4_1', 'Q5_0', 'Q5_1', 'Q4_K', 'Q5_K', 'Q6_K', 'F32', 'F16', 'BF16']) {
    it(`${type}: dequant(scaled rows) = g · dequant(original rows); other rows untouched`, () => {
      const rows = 3;
      const rowElements = 512;
      const bytes = randomRows(type, rows, rowElements, 7);
      const before = dequantizeGgml(type, bytes, rows * rowElements);
      // g = 2 (exact in fp16) on row 0 and g = 0.8 (one fp16 rounding per scale) on row 2.
      scaleRowBlocksInPlace(type, bytes, rowElements, [0, 2], [2, 0.8]);
      const after = dequantizeGgml(type, bytes, rows * rowElements);
      // Offset formats (q·d + m) can cancel, so bound the error by the row's magnitude;
      // fp16 scales round to 2^-11 relative, bf16 values to 2^-9.
      let rowAbsMax = 0;
      for (let i = 0; i < rowElements; i++) rowAbsMax = Math.max(rowAbsMax, Math.abs(before[2 * rowElements + i]));
      const relative = type === 'BF16' ? 2 ** -8 : 2 ** -10;
      for (let i = 0; i < rowElements; i++) {
        expect(after[i]).toBe(Math.fround(2 * before[i]));
        expect(after[rowElements + i]).toBe(before[rowElements + i]);
        const want = 0.8 * before[2 * rowElements + i];
        expect(Math.abs(after[2 * rowElements + i] - want)).toBeLessThanOrEqual(relative * (type === 'BF16' ? Math.abs(want) : 0.8 * rowAbsMax) + 1e-7);
      }
    });
  }

  it('rejects out-of-range rows and mismatched factor counts', () => {
    const bytes = new Uint8Array(34 * 2);
    expect(() => scaleRowBlocksInPlace('Q8_0', bytes, 32, [2], 2)).toThrow(/row 2 outside 0…1/);
    expect(() => scaleRowBlocksInPlace('Q8_0', bytes, 32, [0, 1], [2])).toThrow(/2 rows but 1 factors/);
  });
});
