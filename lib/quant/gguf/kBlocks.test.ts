import { describe, expect, it } from 'vitest';
import { dequantizeGgml } from './dequantize';
import { seededBytes } from './testRng';

/**
 * Packs eight 6-bit (scale, min) pairs into the 12 K-quant scale bytes, inverting the
 * unpacking rule of REFERENCE §14.4 (sub-blocks 4…7 keep their low 4 bits in bytes 8…11
 * and their top 2 bits in the spare top bits of bytes 0…7).
 */
function packScales(sc: number[], m: number[]): number[] {
  const s = new Array<number>(12).fill(0);
  for (let j = 0; j < 4; j++) {
    s[j] = sc[j] | ((sc[j + 4] >> 4) << 6);
    s[j + 4] = m[j] | ((m[j + 4] >> 4) << 6);
    s[j + 8] = (sc[j + 4] & 15) | ((m[j + 4] & 15) << 4);
  }
  return s;
}

const SC = [1, 7, 63, 33, 17, 48, 5, 60];
const MN = [0, 62, 9, 31, 40, 2, 55, 16];

describe('K-quant super-blocks', () => {
  it('Q4_K: x = d·sc_j·q − dmin·m_j, chunk c low nibbles → sub-block 2c, high → 2c+1', () => {
    const codes = seededBytes(11, 128);
    const block = new Uint8Array([0x00, 0x38, 0x00, 0x34, ...packScales(SC, MN), ...codes]); // d 0.5, dmin 0.25
    const got = dequantizeGgml('Q4_K', block, 256);
    for (let e = 0; e < 256; e++) {
      const j = e >> 5;
      const byte = codes[(j >> 1) * 32 + (e & 31)];
      const q = j % 2 === 0 ? byte & 15 : byte >> 4;
      expect(got[e]).toBe(0.5 * SC[j] * q - 0.25 * MN[j]);
    }
  });

  it('Q5_K: fifth bit of element in sub-block j is bit j of qh[l]', () => {
    const qh = seededBytes(12, 32);
    const ql = seededBytes(13, 128);
    const block = new Uint8Array([0x00, 0x38, 0x00, 0x34, ...packScales(SC, MN), ...qh, ...ql]);
    const got = dequantizeGgml('Q5_K', block, 256);
    for (let e = 0; e < 256; e++) {
      const j = e >> 5;
      const l = e & 31;
      const byte = ql[(j >> 1) * 32 + l];
      const q = (j % 2 === 0 ? byte & 15 : byte >> 4) + 16 * ((qh[l] >> j) & 1);
      expect(got[e]).toBe(0.5 * SC[j] * q - 0.25 * MN[j]);
    }
  });

  it('Q6_K: 4 low bits from ql, 2 high from qh, int8 scale per 16, x = d·sc·(q − 32)', () => {
    const ql = seededBytes(14, 128);
    const qh = seededBytes(15, 64);
    const scales = Array.from(seededBytes(16, 16), (b) => (b >= 128 ? b - 256 : b));
    const block = new Uint8Array([...ql, ...qh, ...scales.map((s) => s & 0xff), 0x00, 0x38]); // d 0.5 at the end
    const got = dequantizeGgml('Q6_K', block, 256);
    for (let e = 0; e < 256; e++) {
      const n = e >> 7;
      const r = e & 127;
      const k = r >> 5;
      const l = r & 31;
      const qlByte = ql[64 * n + l + 32 * (k & 1)];
      const low = k >= 2 ? qlByte >> 4 : qlByte & 15;
      const high = (qh[32 * n + l] >> (2 * k)) & 3;
      const sc = scales[8 * n + (l >> 4) + 2 * k];
      expect(got[e]).toBe(0.5 * sc * (low + 16 * high - 32));
    }
  });

  it('decodes several super-blocks in sequence', () => {
    const one = new Uint8Array([0x00, 0x3c, 0x00, 0x00, ...packScales([1, 1, 1, 1, 1, 1, 1, 1], [0, 0, 0, 0, 0, 0, 0, 0]), ...new Uint8Array(128).fill(0x21)]);
    const two = new Uint8Array(288);
    two.set(one, 0);
    two.set(one, 144);
    two[145] = 0x40; // second block d = 2
    const got = dequantizeGgml('Q4_K', two, 512);
    expect(got[0]).toBe(1);
    expect(got[32]).toBe(2);
    expect(got[256]).toBe(2);
    expect(got[288]).toBe(4);
  });
});
