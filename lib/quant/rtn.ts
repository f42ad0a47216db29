/**
 * Round-to-nearest (RTN) weight quantization, SPEC §3 / REFERENCE §14.1 (llm-awq
 * pseudo_quantize_tensor), bit-compatible with training/model.py `rtn_fake_quant`.
 *
 * Weights are [rows = output channels, cols = input channels], row-major (cols contiguous), the
 * nn.Linear / HF layout. Each row is cut into groups of `groupSize` consecutive input channels
 * ('channel' = one group per row). Every step is rounded to float32 (Math.fround) in the order
 * PyTorch evaluates it on float32 tensors, and ties round half to even, so the dequantized floats
 * match the reference bit for bit.
 *
 * Codes are stored unsigned for both variants so one dequantization rule, (code − zeroPoint)·scale,
 * serves both and maps straight onto MatMulNBits: asymmetric stores z; symmetric stores
 * code = q + 2^(bits−1) with zeroPoint = 2^(bits−1).
 */
import { roundHalfEven } from './round';

export interface RtnOptions {
  /** Bits per weight, integer 2..8. */
  bits: number;
  /** Input channels per group (positive integer), or 'channel' for one group per row. */
  groupSize: number | 'channel';
  /** true: abs-max, zero-centred grid; false: min/max grid with an integer zero point. */
  symmetric: boolean;
}

export interface RtnQuantized {
  rows: number;
  cols: number;
  bits: number;
  /** Resolved group width in input channels (cols for 'channel'); the last group may be shorter. */
  groupSize: number;
  groupsPerRow: number;
  symmetric: boolean;
  /** [rows, cols] unsigned codes 0..2^bits−1. */
  codes: Uint8Array;
  /** [rows, groupsPerRow] float32 step sizes (0 for an all-zero symmetric group). */
  scales: Float32Array;
  /** [rows, groupsPerRow] zero points; 2^(bits−1) everywhere when symmetric. */
  zeroPoints: Uint8Array;
}

const f32 = Math.fround;
/** torch.clamp(range, min=1e-5) on a float32 tensor compares against float32(1e-5). */
const MIN_RANGE_F32 = Math.fround(1e-5);

/** Validates options and returns the group width in input channels. */
export function resolveRtnGroupSize(cols: number, opts: RtnOptions): number {
  const { bits, groupSize } = opts;
  if (!Number.isInteger(bits) || bits < 2 || bits > 8) {
    throw new Error(`rtn: bits must be an integer in 2..8, got ${bits}`);
  }
  if (groupSize === 'channel') return cols;
  if (!Number.isInteger(groupSize) || groupSize < 1) {
    throw new Error(`rtn: groupSize must be a positive integer or 'channel', got ${groupSize}`);
  }
  return Math.min(groupSize, cols);
}

function checkShape(len: number, rows: number, cols: number, fn: string): void {
  if (!Number.isInteger(rows) || !Number.isInteger(cols) || rows < 1 || cols < 1) {
    throw new Error(`${fn}: rows and cols must be positive integers, got rows=${rows} cols=${cols}`);
  }
  if (len !== rows * cols) {
    throw new Error(`${fn}: weight has ${len} elements, expected rows×cols = ${rows}×${cols} = ${rows * cols}`);
  }
}

/**
 * Round half to even of a float32 value, exactly as `roundHalfEven`: adding and subtracting
 * 1.5·2^52 rounds a double to an integer in the FPU's own ties-to-even mode (exact for |x| < 2^51;
 * a float32 at or above 2^51 is already an even integer, and beyond that the result keeps its sign
 * and magnitude order, which is all the clamps after it read). One add and one subtract instead of
 * Math.round plus a tie test: RTN's inner loop runs once per weight (~10⁹ times for a 1B model).
 */
const ROUND_MAGIC = 6755399441055744;

/**
 * Quantizes weight [rows, cols] (row-major, float32) group-wise per row.
 * Returns codes [rows, cols], scales and zero points [rows, ceil(cols / groupSize)].
 */
export function rtnQuantize(weight: Float32Array, rows: number, cols: number, opts: RtnOptions): RtnQuantized {
  checkShape(weight.length, rows, cols, 'rtnQuantize');
  const groupSize = resolveRtnGroupSize(cols, opts);
  const { bits, symmetric } = opts;
  const groupsPerRow = Math.ceil(cols / groupSize);
  const codes = new Uint8Array(rows * cols);
  const scales = new Float32Array(rows * groupsPerRow);
  const zeroPoints = new Uint8Array(rows * groupsPerRow);
  quantizeGroups(weight, rows, cols, groupSize, bits, symmetric, scales, zeroPoints, (start, end, s, z, lo, hi) => {
    for (let i = start; i < end; i++) {
      let q = f32(weight[i] / s) + ROUND_MAGIC - ROUND_MAGIC + z;
      // !(q >= lo) also catches NaN (a NaN weight): code lo, as a Uint8Array store of NaN gives.
      if (!(q >= lo)) q = lo;
      else if (q > hi) q = hi;
      codes[i] = q;
    }
  });
  return { rows, cols, bits, groupSize, groupsPerRow, symmetric, codes, scales, zeroPoints };
}

/**
 * Computes every group's scale and zero point (PyTorch's float32 steps) into `scales`/`zeroPoints`
 * [rows, groupsPerRow] and calls `emit(start, end, divisor, z, lo, hi)` per group, where a weight's
 * code is clamp(round(w / divisor) + z, lo, hi) — asymmetric: z = zero point, [0, 2^b − 1];
 * symmetric: z = 2^(b−1) (the stored code offset), [0, 2^b − 1] as well (q ∈ [−2^(b−1), 2^(b−1) − 1]).
 */
function quantizeGroups(
  weight: Float32Array,
  rows: number,
  cols: number,
  groupSize: number,
  bits: number,
  symmetric: boolean,
  scales: Float32Array,
  zeroPoints: Uint8Array,
  emit: (start: number, end: number, divisor: number, z: number, lo: number, hi: number) => void,
): void {
  const groupsPerRow = Math.ceil(cols / groupSize);
  const qMaxAsym = 2 ** bits - 1;
  const qMaxSym = 2 ** (bits - 1) - 1;
  const symOffset = 2 ** (bits - 1);
  for (let r = 0; r < rows; r++) {
    const rowBase = r * cols;
    for (let g = 0; g < groupsPerRow; g++) {
      const start = rowBase + g * groupSize;
      const end = Math.min(start + groupSize, rowBase + cols);
      const slot = r * groupsPerRow + g;
      if (symmetric) {
        let absMax = 0;
        for (let i = start; i < end; i++) {
          const a = Math.abs(weight[i]);
          if (a > absMax) absMax = a;
        }
        const s = f32(absMax / qMaxSym);
        scales[slot] = s;
        zeroPoints[slot] = symOffset;
        // Reference replaces s = 0 by 1, which makes every q 0; storing 0 keeps dequant at 0 too.
        emit(start, end, s === 0 ? 1 : s, symOffset, 0, symOffset + qMaxSym);
      } else {
        let mn = Infinity;
        let mx = -Infinity;
        for (let i = start; i < end; i++) {
          const v = weight[i];
          if (v < mn) mn = v;
          if (v > mx) mx = v;
        }
        let range = f32(mx - mn);
        if (range < MIN_RANGE_F32) range = MIN_RANGE_F32;
        const s = f32(range / qMaxAsym);
        let z = roundHalfEven(f32(-mn / s));
        if (z < 0) z = 0;
        else if (z > qMaxAsym) z = qMaxAsym;
        scales[slot] = s;
        zeroPoints[slot] = z;
        emit(start, end, s, z, 0, qMaxAsym);
      }
    }
  }
}

/** Dequantizes to float32 [rows, cols]: ŵ = float32((code − zeroPoint) · scale). */
export function rtnDequantize(q: RtnQuantized): Float32Array {
  const { rows, cols, groupSize, groupsPerRow, codes, scales, zeroPoints } = q;
  if (codes.length !== rows * cols) {
    throw new Error(`rtnDequantize: codes has ${codes.length} elements, expected ${rows}×${cols}`);
  }
  if (scales.length !== rows * groupsPerRow || zeroPoints.length !== rows * groupsPerRow) {
    throw new Error(`rtnDequantize: scales/zeroPoints have ${scales.length}/${zeroPoints.length} elements, expected ${rows}×${groupsPerRow}`);
  }
  const out = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    const rowBase = r * cols;
    const slotBase = r * groupsPerRow;
    for (let g = 0; g < groupsPerRow; g++) {
      const zp = zeroPoints[slotBase + g];
      const s = scales[slotBase + g];
      const end = rowBase + Math.min(cols, (g + 1) * groupSize);
      // (code − zp) is a small exact integer, so one Float32Array store gives PyTorch's rounding.
      for (let i = rowBase + g * groupSize; i < end; i++) out[i] = (codes[i] - zp) * s;
    }
  }
  return out;
}

/**
 * Quantize then dequantize: the fake-quant weights float32 [rows, cols] the engine runs with,
 * equal bit for bit to rtnDequantize(rtnQuantize(…)) in one pass (no codes array).
 */
export function rtnFakeQuant(weight: Float32Array, rows: number, cols: number, opts: RtnOptions): Float32Array {
  checkShape(weight.length, rows, cols, 'rtnFakeQuant');
  const groupSize = resolveRtnGroupSize(cols, opts);
  const groupsPerRow = Math.ceil(cols / groupSize);
  const out = new Float32Array(rows * cols);
  const scales = new Float32Array(rows * groupsPerRow);
  const zeroPoints = new Uint8Array(rows * groupsPerRow);
  let slot = 0;
  quantizeGroups(weight, rows, cols, groupSize, opts.bits, opts.symmetric, scales, zeroPoints, (start, end, divisor, z, lo, hi) => {
    const s = scales[slot++];
    for (let i = start; i < end; i++) {
      let q = f32(weight[i] / divisor) + ROUND_MAGIC - ROUND_MAGIC + z;
      // !(q >= lo) also catches NaN (a NaN weight): code lo, as a Uint8Array store of NaN gives.
      if (!(q >= lo)) q = lo;
      else if (q > hi) q = hi;
      out[i] = (q - z) * s;
    }
  });
  return out;
}
