import { bf16BitsToNumber, halfBitsToNumber, numberToHalfBits } from './halfScalar';
import { ggmlByteLength, ggmlTypeByName } from './types';

/** Byte offsets, inside one block, of the fp16 scales that multiply every weight of the block. */
const SCALE_OFFSETS: Record<string, readonly number[]> = {
  Q4_0: [0],
  Q4_1: [0, 2],
  Q5_0: [0],
  Q5_1: [0, 2],
  Q8_0: [0],
  Q4_K: [0, 2],
  Q5_K: [0, 2],
  Q6_K: [208],
};

/**
 * Multiply whole rows of a ggml tensor by factors, in place, by rescaling block scales
 * (d; and m / dmin where the format has an offset) — SPEC §5's fast path. dequant(after)
 * = factor·dequant(before) up to the fp16 rounding of each new scale.
 * Input: `bytes` = the tensor's raw data (rows of `rowElements` elements, row-major);
 * `rowIndices[k]` gets `factors[k]` (or the single `factors` number).
 * Float types (F32/F16/BF16) are scaled value by value.
 */
export function scaleRowBlocksInPlace(
  typeName: string,
  bytes: Uint8Array,
  rowElements: number,
  rowIndices: ArrayLike<number>,
  factors: number | ArrayLike<number>,
): void {
  const info = ggmlTypeByName(typeName);
  if (!info) throw new Error(`scaleRowBlocksInPlace: unknown ggml type ${typeName}`);
  const rowBytes = ggmlByteLength(info, rowElements);
  if (bytes.length % rowBytes !== 0) {
    throw new Error(`scaleRowBlocksInPlace: ${bytes.length} bytes is not a whole number of ${rowBytes}-byte rows`);
  }
  const rowCount = bytes.length / rowBytes;
  if (typeof factors !== 'number' && factors.length !== rowIndices.length) {
    throw new Error(`scaleRowBlocksInPlace: ${rowIndices.length} rows but ${factors.length} factors`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const offsets = SCALE_OFFSETS[typeName];
  const blocksPerRow = rowElements / info.blockElements;
  const scratch = new Float32Array(1);
  const scratchBits = new Uint32Array(scratch.buffer);
  for (let k = 0; k < rowIndices.length; k++) {
    const row = rowIndices[k];
    if (!Number.isInteger(row) || row < 0 || row >= rowCount) throw new Error(`scaleRowBlocksInPlace: row ${row} outside 0…${rowCount - 1}`);
    const g = typeof factors === 'number' ? factors : factors[k];
    if (!Number.isFinite(g)) throw new Error(`scaleRowBlocksInPlace: factor ${g} for row ${row} is not finite`);
    const rowStart = row * rowBytes;
    if (typeName === 'F32') {
      for (let i = 0; i < rowElements; i++) view.setFloat32(rowStart + 4 * i, view.getFloat32(rowStart + 4 * i, true) * g, true);
    } else if (typeName === 'F16') {
      for (let i = 0; i < rowElements; i++) {
        const at = rowStart + 2 * i;
        view.setUint16(at, numberToHalfBits(halfBitsToNumber(view.getUint16(at, true)) * g), true);
      }
    } else if (typeName === 'BF16') {
      for (let i = 0; i < rowElements; i++) {
        const at = rowStart + 2 * i;
        scratch[0] = bf16BitsToNumber(view.getUint16(at, true), scratch, scratchBits) * g;
        // Round to nearest even on the dropped 16 bits (NaN stays NaN).
        const bits = scratchBits[0];
        const rounded = Number.isNaN(scratch[0]) ? 0x7fc0 : ((bits + 0x7fff + ((bits >>> 16) & 1)) >>> 16) & 0xffff;
        view.setUint16(at, rounded, true);
      }
    } else if (offsets) {
      for (let blk = 0; blk < blocksPerRow; blk++) {
        const blockStart = rowStart + blk * info.blockBytes;
        for (const off of offsets) {
          const scaled = halfBitsToNumber(view.getUint16(blockStart + off, true)) * g;
          const bits = numberToHalfBits(scaled);
          if ((bits & 0x7c00) === 0x7c00 && Number.isFinite(scaled)) {
            throw new Error(`scaleRowBlocksInPlace: row ${row} scale ${scaled} overflows fp16`);
          }
          view.setUint16(blockStart + off, bits, true);
        }
      }
    } else {
      throw new Error(`scaleRowBlocksInPlace: cannot scale ggml type ${typeName}`);
    }
  }
}
