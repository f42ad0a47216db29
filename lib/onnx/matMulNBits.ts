import type { RtnQuantized } from '../quant/rtn';
import type { NBitsLinear } from './weights';

/**
 * Pack RTN codes (lib/quant `rtnQuantize`, codes [rows, cols] unsigned, scales and zero points
 * [rows, groupsPerRow]) into com.microsoft.MatMulNBits inputs (REFERENCE §14.5): B uint8
 * [N = rows, kBlocks, blockSize·bits/8] low bits first along K, scales float32 [N·kBlocks],
 * zero points packed uint8 [N, ⌈kBlocks·bits/8⌉] the same way. Dequantization is then
 * identical, (code − zero)·scale. Needs bits 4 or 8, groupSize = block size a power of two ≥ 16
 * dividing cols.
 */
export function rtnToNBitsLinear(q: RtnQuantized, bias?: Float32Array): NBitsLinear {
  const { rows, cols, bits, groupSize, groupsPerRow } = q;
  if (bits !== 4 && bits !== 8) throw new Error(`MatMulNBits path supports 4 or 8 bits, got ${bits}`);
  if (groupSize < 16 || (groupSize & (groupSize - 1)) !== 0) throw new Error(`MatMulNBits block size must be a power of two ≥ 16, got ${groupSize}`);
  if (cols % groupSize !== 0) throw new Error(`cols ${cols} not divisible by block size ${groupSize}`);
  const kBlocks = groupsPerRow;
  const packed = new Uint8Array((rows * cols * bits) / 8);
  const zeroBytesPerRow = Math.ceil((kBlocks * bits) / 8);
  const zeroPoints = new Uint8Array(rows * zeroBytesPerRow);
  if (bits === 8) {
    packed.set(q.codes);
    zeroPoints.set(q.zeroPoints);
  } else {
    for (let i = 0; i < packed.length; i++) packed[i] = (q.codes[2 * i] & 15) | ((q.codes[2 * i + 1] & 15) << 4);
    for (let r = 0; r < rows; r++) {
      const src = r * kBlocks;
      const dst = r * zeroBytesPerRow;
      for (let b = 0; b < kBlocks; b++) zeroPoints[dst + (b >> 1)] |= (q.zeroPoints[src + b] & 15) << ((b & 1) * 4);
    }
  }
  return {
    kind: 'nbits',
    outFeatures: rows,
    inFeatures: cols,
    bits,
    blockSize: groupSize,
    packed,
    scales: Float32Array.from(q.scales),
    zeroPoints,
    bias,
  };
}
