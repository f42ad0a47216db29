/**
 * Normalized Walsh–Hadamard rotation of a head's channels, for the rotated KV cache (SPEC §3;
 * llama.cpp rotates q/k/v per head by default before a quantized cache). H_n (Sylvester order,
 * n a power of two) scaled by 1/√n is symmetric and orthogonal: H·H = I, so rotating q and k by
 * it leaves every logit q·k unchanged, and only what the quantizer sees changes (a channel with
 * an outlier is spread over all n rotated channels).
 *
 * Head dims that are not a power of two are refused (`hadamardSizeError`): a block-diagonal
 * rotation over power-of-two blocks would be a different experiment from llama.cpp's, and we
 * would rather say so than run it silently.
 */
import { KvSettingError } from './kvErrors';

/** Null when n is a power of two ≥ 2, else the user-facing reason the rotation cannot apply. */
export function hadamardSizeError(headDim: number): string | null {
  if (Number.isInteger(headDim) && headDim >= 2 && (headDim & (headDim - 1)) === 0) return null;
  return `the Hadamard-rotated KV cache needs a power-of-two head dim (a Walsh–Hadamard matrix exists only for those); this model's head dim is ${headDim}. Turn the rotation off for this model`;
}

function checkSize(headDim: number): void {
  const why = hadamardSizeError(headDim);
  if (why) throw new KvSettingError(why);
}

/**
 * The normalized Sylvester–Hadamard matrix H[i][j] = (−1)^popcount(i & j) / √n.
 * Output: float32 [n, n], row-major (symmetric, so rows = columns).
 */
export function normalizedHadamard(n: number): Float32Array {
  checkSize(n);
  const out = new Float32Array(n * n);
  const v = 1 / Math.sqrt(n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      let bits = i & j;
      let parity = 0;
      while (bits) {
        parity ^= bits & 1;
        bits >>>= 1;
      }
      out[i * n + j] = parity ? -v : v;
    }
  }
  return out;
}

/**
 * x·H per head by the fast Walsh–Hadamard transform (float64 butterflies, rounded once to
 * float32), an independent path from the graph's MatMul by `normalizedHadamard`.
 * Input: float32 [rows, headDim] row-major with headDim contiguous (e.g. [tokens, heads, headDim]
 * flattened, rows = tokens × heads). Output: a new float32 array of the same shape. Since H is
 * symmetric and orthogonal, applying it twice returns x (up to float rounding).
 */
export function hadamardRotateRows(x: Float32Array, headDim: number): Float32Array {
  checkSize(headDim);
  if (x.length % headDim !== 0) throw new Error(`hadamardRotateRows: ${x.length} values are not whole rows of headDim ${headDim}`);
  const rows = x.length / headDim;
  const out = new Float32Array(x.length);
  const buf = new Float64Array(headDim);
  const norm = 1 / Math.sqrt(headDim);
  for (let r = 0; r < rows; r++) {
    const base = r * headDim;
    for (let i = 0; i < headDim; i++) buf[i] = x[base + i];
    for (let h = 1; h < headDim; h <<= 1) {
      for (let i = 0; i < headDim; i += h << 1) {
        for (let j = i; j < i + h; j++) {
          const a = buf[j];
          const b = buf[j + h];
          buf[j] = a + b;
          buf[j + h] = a - b;
        }
      }
    }
    for (let i = 0; i < headDim; i++) out[base + i] = buf[i] * norm;
  }
  return out;
}
