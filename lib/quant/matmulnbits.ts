/**
 * Packing for onnxruntime's `com.microsoft.MatMulNBits` (REFERENCE §14.5, ENVIRONMENT.md), the
 * deployment-faithful weight path of SPEC §3. Y = A · dequant(B)ᵀ with
 * dequant = (code − zero_point) · scale, blocks of `block_size` along K inside each output row n.
 *
 * Layouts (all row-major, last axis contiguous):
 * - b:          uint8 [N, kBlocks, blobSize], kBlocks = ceil(K / block_size),
 *               blobSize = block_size·bits/8; codes packed low bits first along K
 *               (4-bit: low nibble = even element). K is padded to whole blocks with code 0.
 * - scales:     float32 [N·kBlocks] (flattened [N, kBlocks]).
 * - zeroPoints: uint8 [N, ceil(kBlocks·bits/8)], packed like b (unused high bits 0); omitted means
 *               ORT's default 2^(bits−1).
 *
 * RTN with groupSize = block_size maps onto this exactly (same codes, scales, zero points), so
 * `unpackMatMulNBits(packMatMulNBitsFromRtn(q))` equals `rtnDequantize(q)` bit for bit.
 * Symmetric RTN stores code = q + 2^(bits−1), i.e. exactly the default zero point, so its zero
 * points are omitted; asymmetric RTN always ships them.
 */
import { rtnQuantize, type RtnQuantized } from './rtn';

export interface MatMulNBitsAttributes {
  K: number;
  N: number;
  bits: number;
  block_size: number;
}

export interface MatMulNBitsWeights {
  /** uint8 [N, kBlocks, blockSize·bits/8]. */
  b: Uint8Array;
  /** float32 [N·kBlocks]. */
  scales: Float32Array;
  /** uint8 [N, ceil(kBlocks·bits/8)] packed, or undefined for the default 2^(bits−1). */
  zeroPoints?: Uint8Array;
  attributes: MatMulNBitsAttributes;
}

/** Bit widths whose codes tile a byte exactly; ORT's packing for these is low bits first. */
const PACKABLE_BITS = [2, 4, 8];

function checkAttributes(bits: number, blockSize: number, fn: string): void {
  if (!PACKABLE_BITS.includes(bits)) throw new Error(`${fn}: bits must be 2, 4 or 8, got ${bits}`);
  if (!Number.isInteger(blockSize) || blockSize < 16 || (blockSize & (blockSize - 1)) !== 0) {
    throw new Error(`${fn}: block_size must be a power of two ≥ 16, got ${blockSize}`);
  }
}

/**
 * Whether RTN of a linear with `cols` input channels packs as MatMulNBits (bits 2, 4 or 8; the
 * group width — cols for 'channel' — a power of two ≥ 16), i.e. whether its fake-quant weights can
 * be held as codes and unpacked to rtnDequantize's exact values.
 */
export function rtnPacksAsMatMulNBits(cols: number, opts: { bits: number; groupSize: number | 'channel' }): boolean {
  if (!PACKABLE_BITS.includes(opts.bits)) return false;
  const block = opts.groupSize === 'channel' ? cols : Math.min(opts.groupSize, cols);
  return Number.isInteger(block) && block >= 16 && (block & (block - 1)) === 0;
}

/** Bytes per row of packed zero points: ceil(kBlocks·bits/8). */
export function zeroPointBytesPerRow(kBlocks: number, bits: number): number {
  return Math.ceil((kBlocks * bits) / 8);
}

/**
 * Packs an RTN result [rows = N, cols = K] whose group size is a valid block_size.
 * The RTN group size must equal the block size (the quantizer's last group may be short; it is
 * padded with code 0 here).
 */
export function packMatMulNBitsFromRtn(q: RtnQuantized, blockSize: number = q.groupSize): MatMulNBitsWeights {
  const { rows: N, cols: K, bits, groupsPerRow } = q;
  checkAttributes(bits, blockSize, 'packMatMulNBitsFromRtn');
  const kBlocks = Math.ceil(K / blockSize);
  if (groupsPerRow !== kBlocks || (K > blockSize && q.groupSize !== blockSize)) {
    throw new Error(
      `packMatMulNBitsFromRtn: RTN groups (size ${q.groupSize}, ${groupsPerRow} per row) do not match block_size ${blockSize} (${kBlocks} blocks for K=${K})`,
    );
  }
  const perByte = 8 / bits;
  const blobSize = (blockSize * bits) / 8;
  const rowBytes = kBlocks * blobSize;
  const b = new Uint8Array(N * rowBytes);
  const codes = q.codes;
  for (let n = 0; n < N; n++) {
    const src = n * K;
    const dst = n * rowBytes;
    // Blocks are contiguous along K, so element k of the row lands in byte k / perByte.
    if (bits === 4) {
      // Two codes a byte, the hot case (once per weight of a model): no division or modulo.
      const pairs = K >> 1;
      for (let j = 0; j < pairs; j++) b[dst + j] = codes[src + 2 * j] | (codes[src + 2 * j + 1] << 4);
      if (K & 1) b[dst + pairs] = codes[src + K - 1];
      continue;
    }
    for (let k = 0; k < K; k++) {
      b[dst + ((k / perByte) | 0)] |= codes[src + k] << ((k % perByte) * bits);
    }
  }
  const scales = Float32Array.from(q.scales);
  let zeroPoints: Uint8Array | undefined;
  if (!q.symmetric) {
    const zpRow = zeroPointBytesPerRow(kBlocks, bits);
    zeroPoints = new Uint8Array(N * zpRow);
    for (let n = 0; n < N; n++) {
      for (let j = 0; j < kBlocks; j++) {
        zeroPoints[n * zpRow + ((j / perByte) | 0)] |= q.zeroPoints[n * kBlocks + j] << ((j % perByte) * bits);
      }
    }
  }
  return { b, scales, zeroPoints, attributes: { K, N, bits, block_size: blockSize } };
}

/**
 * RTN-quantizes float32 weight [N, K] (row-major, K contiguous: the nn.Linear layout, output
 * channel n = row n) with groups of blockSize and packs it for MatMulNBits.
 */
export function packMatMulNBits(
  weight: Float32Array,
  N: number,
  K: number,
  opts: { bits: number; blockSize: number; symmetric?: boolean },
): MatMulNBitsWeights {
  checkAttributes(opts.bits, opts.blockSize, 'packMatMulNBits');
  const q = rtnQuantize(weight, N, K, { bits: opts.bits, groupSize: opts.blockSize, symmetric: opts.symmetric ?? false });
  return packMatMulNBitsFromRtn(q, opts.blockSize);
}

/**
 * Dequantizes packed MatMulNBits weights to float32 [N, K] exactly as the op defines it:
 * float32((code − zero_point) · scale); padding past K is dropped.
 */
export function unpackMatMulNBits(w: MatMulNBitsWeights): Float32Array {
  return unpackMatMulNBitsInto(w, new Float32Array(w.attributes.N * w.attributes.K));
}

/**
 * `unpackMatMulNBits` into `out` float32 [N, K] (every element written), returned — so a caller
 * expanding one layer after another reuses one buffer instead of faulting in fresh memory per layer.
 */
export function unpackMatMulNBitsInto(w: MatMulNBitsWeights, out: Float32Array): Float32Array {
  const { K, N, bits, block_size: blockSize } = w.attributes;
  checkAttributes(bits, blockSize, 'unpackMatMulNBits');
  const kBlocks = Math.ceil(K / blockSize);
  const blobSize = (blockSize * bits) / 8;
  const rowBytes = kBlocks * blobSize;
  if (w.b.length !== N * rowBytes) {
    throw new Error(`unpackMatMulNBits: b has ${w.b.length} bytes, expected [N=${N}, kBlocks=${kBlocks}, blob=${blobSize}] = ${N * rowBytes}`);
  }
  if (w.scales.length !== N * kBlocks) {
    throw new Error(`unpackMatMulNBits: scales has ${w.scales.length} elements, expected N·kBlocks = ${N}·${kBlocks}`);
  }
  const zpRow = zeroPointBytesPerRow(kBlocks, bits);
  if (w.zeroPoints && w.zeroPoints.length !== N * zpRow) {
    throw new Error(`unpackMatMulNBits: zeroPoints has ${w.zeroPoints.length} bytes, expected [N=${N}, ${zpRow}]`);
  }
  if (out.length !== N * K) throw new Error(`unpackMatMulNBits: output has ${out.length} elements, expected N·K = ${N}·${K}`);
  const perByte = 8 / bits;
  const mask = (1 << bits) - 1;
  const defaultZp = 1 << (bits - 1);
  const b = w.b;
  // 4-bit: the 16 possible values of a block, float32((code − zp)·scale), looked up per nibble.
  const table = new Float32Array(16);
  for (let n = 0; n < N; n++) {
    for (let j = 0; j < kBlocks; j++) {
      const scale = w.scales[n * kBlocks + j];
      const zp = w.zeroPoints ? (w.zeroPoints[n * zpRow + ((j / perByte) | 0)] >> ((j % perByte) * bits)) & mask : defaultZp;
      const kEnd = Math.min(K, (j + 1) * blockSize);
      const row = n * rowBytes;
      const o = n * K;
      let k = j * blockSize;
      if (bits === 4) {
        for (let c = 0; c < 16; c++) table[c] = (c - zp) * scale;
        // Whole bytes (a block starts on a byte: blockSize is even), then a last odd code.
        for (; k + 1 < kEnd; k += 2) {
          const byte = b[row + (k >> 1)];
          out[o + k] = table[byte & 15];
          out[o + k + 1] = table[byte >> 4];
        }
      }
      for (; k < kEnd; k++) {
        const code = (b[row + ((k / perByte) | 0)] >> ((k % perByte) * bits)) & mask;
        out[o + k] = (code - zp) * scale;
      }
    }
  }
  return out;
}
