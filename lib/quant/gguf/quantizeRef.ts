import { numberToHalfBits } from './halfScalar';

// Reference quantizers after ggml-quants.c quantize_row_q8_0_ref / quantize_row_q4_0_ref,
// in float32 arithmetic. Used to build GGUF test files and to re-quantize scaled rows.

const fr = Math.fround;

/** C roundf: half away from zero. */
function roundAway(x: number): number {
  return x < 0 ? -Math.round(-x) : Math.round(x);
}

/**
 * float32 values → Q8_0 blocks. Input: Float32Array[elementCount], elementCount % 32 = 0.
 * Output: Uint8Array[elementCount/32 × 34]. d = amax/127 (stored fp16); q = roundf(x/d)
 * using the unrounded float32 d, as the reference does.
 */
export function quantizeQ8_0Ref(values: Float32Array): Uint8Array {
  if (values.length % 32 !== 0) throw new Error(`Q8_0: length ${values.length} is not a multiple of 32`);
  const blocks = values.length / 32;
  const out = new Uint8Array(blocks * 34);
  for (let b = 0; b < blocks; b++) {
    let amax = 0;
    for (let j = 0; j < 32; j++) amax = Math.max(amax, Math.abs(values[b * 32 + j]));
    const d = fr(amax / 127);
    const id = d !== 0 ? fr(1 / d) : 0;
    const dBits = numberToHalfBits(d);
    out[b * 34] = dBits & 0xff;
    out[b * 34 + 1] = dBits >> 8;
    for (let j = 0; j < 32; j++) {
      out[b * 34 + 2 + j] = roundAway(fr(values[b * 32 + j] * id)) & 0xff;
    }
  }
  return out;
}

/**
 * float32 values → Q4_0 blocks (Uint8Array[elementCount/32 × 18]). d = v/−8 where v is the
 * element of largest magnitude (sign kept); q = min(15, trunc(x/d + 8.5)).
 */
export function quantizeQ4_0Ref(values: Float32Array): Uint8Array {
  if (values.length % 32 !== 0) throw new Error(`Q4_0: length ${values.length} is not a multiple of 32`);
  const blocks = values.length / 32;
  const out = new Uint8Array(blocks * 18);
  for (let b = 0; b < blocks; b++) {
    let amax = 0;
    let max = 0;
    for (let j = 0; j < 32; j++) {
      const v = values[b * 32 + j];
      if (amax < Math.abs(v)) {
        amax = Math.abs(v);
        max = v;
      }
    }
    const d = fr(max / -8);
    const id = d !== 0 ? fr(1 / d) : 0;
    const dBits = numberToHalfBits(d);
    out[b * 18] = dBits & 0xff;
    out[b * 18 + 1] = dBits >> 8;
    for (let j = 0; j < 16; j++) {
      const x0 = fr(values[b * 32 + j] * id);
      const x1 = fr(values[b * 32 + 16 + j] * id);
      const q0 = Math.min(15, Math.trunc(fr(x0 + 8.5)));
      const q1 = Math.min(15, Math.trunc(fr(x1 + 8.5)));
      out[b * 18 + 2 + j] = q0 | (q1 << 4);
    }
  }
  return out;
}
