import { describe, expect, it } from 'vitest';
import { packMatMulNBits, packMatMulNBitsFromRtn, unpackMatMulNBits } from './matmulnbits';
import { rtnFakeQuant, rtnQuantize, type RtnQuantized } from './rtn';

function seededMatrix(n: number, seed: number): Float32Array {
  let x = seed >>> 0 || 1;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    out[i] = (x / 4294967296 - 0.5) * 0.3;
  }
  return out;
}

function sameBits(a: Float32Array, b: Float32Array): void {
  expect(a.length).toBe(b.length);
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) throw new Error(`i=${i}: ${a[i]} vs ${b[i]}`);
}

describe('MatMulNBits packing layout (hand-built)', () => {
  it('4-bit: low nibble = even element, K padded with code 0, zero points two per byte', () => {
    // One row, K = 20, block 16 → 2 blocks of 8 bytes; hand-picked codes 0..15 then 1..4.
    const codes = new Uint8Array(20);
    for (let k = 0; k < 16; k++) codes[k] = k;
    for (let k = 16; k < 20; k++) codes[k] = k - 15;
    const q: RtnQuantized = {
      rows: 1,
      cols: 20,
      bits: 4,
      groupSize: 16,
      groupsPerRow: 2,
      symmetric: false,
      codes,
      scales: new Float32Array([0.5, 2]),
      zeroPoints: new Uint8Array([3, 9]),
    };
    const packed = packMatMulNBitsFromRtn(q);
    expect(packed.attributes).toEqual({ K: 20, N: 1, bits: 4, block_size: 16 });
    expect(Array.from(packed.b)).toEqual([
      0x10,
      0x32,
      0x54,
      0x76,
      0x98,
      0xba,
      0xdc,
      0xfe, // block 0: (1<<4)|0, (3<<4)|2, ...
      0x21,
      0x43,
      0,
      0,
      0,
      0,
      0,
      0, // block 1: codes 1,2,3,4 then padding
    ]);
    expect(Array.from(packed.zeroPoints!)).toEqual([0x93]);
    const y = unpackMatMulNBits(packed);
    expect(y[0]).toBe((0 - 3) * 0.5);
    expect(y[15]).toBe((15 - 3) * 0.5);
    expect(y[19]).toBe((4 - 9) * 2);
    expect(y.length).toBe(20);
  });

  it('8-bit: one code per byte, one zero point per byte', () => {
    const q: RtnQuantized = {
      rows: 2,
      cols: 16,
      bits: 8,
      groupSize: 16,
      groupsPerRow: 1,
      symmetric: false,
      codes: Uint8Array.from({ length: 32 }, (_, i) => i * 7),
      scales: new Float32Array([1, 0.25]),
      zeroPoints: new Uint8Array([128, 200]),
    };
    const packed = packMatMulNBitsFromRtn(q);
    expect(Array.from(packed.b)).toEqual(Array.from(q.codes));
    expect(Array.from(packed.zeroPoints!)).toEqual([128, 200]);
    expect(unpackMatMulNBits(packed)[17]).toBe((17 * 7 - 200) * 0.25);
  });

  it('packs an odd number of 4-bit zero points per row with a zero high nibble', () => {
    const w = seededMatrix(2 * 48, 3);
    const packed = packMatMulNBits(w, 2, 48, { bits: 4, blockSize: 16 });
    const q = rtnQuantize(w, 2, 48, { bits: 4, groupSize: 16, symmetric: false });
    expect(packed.zeroPoints!.length).toBe(4); // [N=2, ceil(3·4/8)=2]
    for (let n = 0; n < 2; n++) {
      expect(packed.zeroPoints![n * 2]).toBe(q.zeroPoints[n * 3] | (q.zeroPoints[n * 3 + 1] << 4));
      expect(packed.zeroPoints![n * 2 + 1]).toBe(q.zeroPoints[n * 3 + 2]);
    }
  });
});

describe('MatMulNBits ⇔ RTN fake-quant', () => {
  const cases: Array<[number, number, number, number, boolean]> = [
    [4, 32, 8, 128, false],
    [4, 32, 8, 128, true],
    [4, 128, 4, 256, false],
    [4, 16, 3, 50, false],
    [8, 32, 5, 96, false],
    [8, 64, 3, 100, true],
    [2, 16, 4, 64, false],
    [4, 64, 2, 40, false],
    // Odd K: the 4-bit fast paths' last half-filled byte.
    [4, 16, 3, 51, true],
    [4, 32, 2, 33, false],
  ];
  it.each(cases)('bits %i block %i N %i K %i symmetric %s: unpack(pack) equals rtnFakeQuant exactly', (bits, bs, N, K, symmetric) => {
    const w = seededMatrix(N * K, bits * 1000 + bs + K);
    const packed = packMatMulNBits(w, N, K, { bits, blockSize: bs, symmetric });
    const kBlocks = Math.ceil(K / bs);
    expect(packed.b.length).toBe(N * kBlocks * ((bs * bits) / 8));
    expect(packed.scales.length).toBe(N * kBlocks);
    expect(packed.zeroPoints === undefined).toBe(symmetric);
    sameBits(unpackMatMulNBits(packed), rtnFakeQuant(w, N, K, { bits, groupSize: bs, symmetric }));
  });

  it('Q-ROAR row scaling after packing = packing the scaled row (scales × g, codes unchanged)', () => {
    const w = seededMatrix(4 * 64, 77);
    const g = 1.25; // a power-of-two-friendly factor keeps float32 products exact
    const packed = packMatMulNBits(w, 4, 64, { bits: 4, blockSize: 32 });
    const wScaled = Float32Array.from(w, (v, i) => (i < 64 ? v * g : v));
    const packedScaled = packMatMulNBits(wScaled, 4, 64, { bits: 4, blockSize: 32 });
    expect(Array.from(packedScaled.b)).toEqual(Array.from(packed.b));
    expect(Array.from(packedScaled.zeroPoints!)).toEqual(Array.from(packed.zeroPoints!));
    for (let j = 0; j < 2; j++) expect(packedScaled.scales[j]).toBeCloseTo(packed.scales[j] * g, 7);
  });

  it('rejects unsupported settings and inconsistent buffers with the dims', () => {
    const w = seededMatrix(64, 1);
    expect(() => packMatMulNBits(w, 1, 64, { bits: 3, blockSize: 32 })).toThrow(/got 3/);
    expect(() => packMatMulNBits(w, 1, 64, { bits: 4, blockSize: 24 })).toThrow(/got 24/);
    expect(() => packMatMulNBits(w, 1, 64, { bits: 4, blockSize: 8 })).toThrow(/got 8/);
    const q = rtnQuantize(w, 1, 64, { bits: 4, groupSize: 32, symmetric: false });
    expect(() => packMatMulNBitsFromRtn(q, 64)).toThrow(/size 32, 2 per row.*block_size 64/);
    const packed = packMatMulNBitsFromRtn(q);
    expect(() => unpackMatMulNBits({ ...packed, scales: new Float32Array(3) })).toThrow(/3 elements, expected N·kBlocks = 1·2/);
    expect(() => unpackMatMulNBits({ ...packed, b: new Uint8Array(5) })).toThrow(/5 bytes, expected/);
  });
});
