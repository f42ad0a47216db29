/**
 * cos/sin tables for positions [startPosition, startPosition + count).
 *
 * Angles follow HF's `*RotaryEmbedding.forward`: inv_freq is a float32 tensor and
 * freqs = position × inv_freq is a float32 product, so angle = fround(fround(m)·fround(θ'_i)).
 * That rounding matters at long context (at m = 32768 one float32 ulp of the angle is ~0.004 rad)
 * and matching it keeps our logits on HF's. cos/sin of that float32 angle are taken in float64,
 * rounded to float32, then multiplied by the attention factor (HF: cos(emb)·attention_scaling)
 * and rounded again. Our θ' comes from float64 math rounded once to float32; HF evaluates the
 * pow in float32, so θ' may differ by an ulp or so.
 */
import type { PairLayout } from './types';

function checkArgs(invFreqRadPerToken: Float64Array, attentionFactor: number, startPosition: number, count: number): void {
  if (invFreqRadPerToken.length === 0) throw new Error('invFreqRadPerToken is empty');
  if (!Number.isInteger(startPosition) || startPosition < 0) throw new Error(`startPosition must be an integer ≥ 0, got ${startPosition}`);
  if (!Number.isInteger(count) || count < 0) throw new Error(`count must be an integer ≥ 0, got ${count}`);
  if (!(attentionFactor > 0)) throw new Error(`attentionFactor must be > 0, got ${attentionFactor}`);
}

/**
 * Compact tables, the form ONNX `RotaryEmbedding` (cos_cache/sin_cache) takes.
 * Input invFreqRadPerToken: Float64Array[pairs] rad/token.
 * Output cos, sin: Float32Array[count, pairs], position-major (pair axis contiguous);
 * entry [p, i] = trig(angle of position startPosition + p, pair i) × attentionFactor.
 */
export function ropeCosSinCompact(
  invFreqRadPerToken: Float64Array,
  attentionFactor: number,
  startPosition: number,
  count: number,
): { cos: Float32Array; sin: Float32Array } {
  checkArgs(invFreqRadPerToken, attentionFactor, startPosition, count);
  const pairCount = invFreqRadPerToken.length;
  const inv32 = Float32Array.from(invFreqRadPerToken);
  const scale32 = Math.fround(attentionFactor);
  const cos = new Float32Array(count * pairCount);
  const sin = new Float32Array(count * pairCount);
  for (let p = 0; p < count; p++) {
    const position32 = Math.fround(startPosition + p);
    const rowOffset = p * pairCount;
    for (let i = 0; i < pairCount; i++) {
      const angle = Math.fround(position32 * inv32[i]);
      cos[rowOffset + i] = Math.fround(Math.cos(angle)) * scale32;
      sin[rowOffset + i] = Math.fround(Math.sin(angle)) * scale32;
    }
  }
  return { cos, sin };
}

/**
 * Full-width tables for rotating rotaryDim rows of a head.
 * Input invFreqRadPerToken: Float64Array[rotaryDim/2] rad/token.
 * Output cos, sin: Float32Array[count, rotaryDim], position-major. Row r of a position holds the
 * value of the pair that row belongs to: half-split → pair r mod (rotaryDim/2) (HF's
 * cat(freqs, freqs)); interleaved → pair ⌊r/2⌋ (rows 2i, 2i+1).
 */
export function ropeCosSinTable(
  invFreqRadPerToken: Float64Array,
  attentionFactor: number,
  startPosition: number,
  count: number,
  layout: PairLayout,
): { cos: Float32Array; sin: Float32Array } {
  const compact = ropeCosSinCompact(invFreqRadPerToken, attentionFactor, startPosition, count);
  const pairCount = invFreqRadPerToken.length;
  const rotaryDim = 2 * pairCount;
  const cos = new Float32Array(count * rotaryDim);
  const sin = new Float32Array(count * rotaryDim);
  for (let p = 0; p < count; p++) {
    const src = p * pairCount;
    const dst = p * rotaryDim;
    for (let i = 0; i < pairCount; i++) {
      const c = compact.cos[src + i];
      const s = compact.sin[src + i];
      const rowA = layout === 'half-split' ? i : 2 * i;
      const rowB = layout === 'half-split' ? i + pairCount : 2 * i + 1;
      cos[dst + rowA] = c;
      cos[dst + rowB] = c;
      sin[dst + rowA] = s;
      sin[dst + rowB] = s;
    }
  }
  return { cos, sin };
}
