import { bandIndexOfHeadRows, checkTokenHeadTensor } from '../diagnostics/bandRows';
import type { PositionPairs } from '../diagnostics/pairSampler';
import { rowScalesForProjection } from './scales';
import type { QroarVariant } from './transform';
import type { SearchObjective } from './search';
import type { QkGeometry } from '../diagnostics/qkGeometry';

/**
 * Fast proxy objective for the live sliders (SPEC §5): RMS logit error on sampled pairs of one
 * layer, predicted for band scales g without a forward pass.
 *
 * What it computes. From captured post-RoPE taps (attention factor included) of the FP reference
 * (q, k) and of the quantized model at g = 1 (q̂, k̂), for each sampled (m, n) and query head h:
 *   ε_g(m,n,h) = (1/√d)·[ Σ_r a_r·b_r·q̂_m[r]·k̂_n[r] − q_m·k_n ],
 * with a = D(g) on query rows and b = D(g)⁻¹ (symmetric), D(g) (shared) or 1 (query-only) on key
 * rows, i.e. band logits × g_B⁰, g_B², g_B. The objective is √(mean ε²) over samples × heads.
 *
 * Why that is what scaling-then-quantizing does. For row-local weight quantizers (RTN by row
 * groups, GGUF blocks, MatMulNBits) Q(D·W) = D·Q(W) up to float rounding (SPEC §3), biases are
 * scaled alike, and D(g) commutes with RoPE because both rows of a pair share one factor (§1).
 * So the scaled quantized layer emits exactly D·q̂ and D^{±1}·k̂ for the same layer input,
 * post-RoPE as well as pre-RoPE — there is no need to re-apply RoPE.
 *
 * Limits (say them in the UI). (1) The layer input is frozen at the captured g = 1 run: how the
 * changed attention alters later layers, and how scaling earlier layers alters this one, is
 * ignored — a per-layer, first-order proxy. (2) It scores logit error against FP, not NLL; a
 * band temperature can lower one and not the other, so the chosen point is always confirmed with
 * the real objective. (3) With no KV quantization the symmetric variant is exactly constant here,
 * as it is in the real model. (4) Quantizers that couple rows (AWQ scale search, per-tensor
 * scales) break Q(D·W) = D·Q(W); the proxy does not model them.
 *
 * KV-cache quantization: pass `quantizeKeysInPlace`, a quantizer of **post-RoPE** keys
 * [tokens, kvHeads, headDim] (e.g. wrapping lib/quant/kvcache.ts); the proxy then rescales k̂ and
 * re-quantizes it for every evaluation, which is where the symmetric variant can matter. In that
 * mode capture k̂ *before* the KV quantizer. Pre-RoPE key quantization is not modelled.
 */
export interface LogitProxyInput extends QkGeometry {
  /** FP reference post-RoPE queries, Float32Array [tokens, heads, headDim]. */
  refQ: Float32Array;
  /** FP reference post-RoPE keys, Float32Array [tokens, kvHeads, headDim]. */
  refK: Float32Array;
  /** Quantized-model (g = 1) post-RoPE queries, [tokens, heads, headDim]. */
  quantQ: Float32Array;
  /** Quantized-model (g = 1) post-RoPE keys, [tokens, kvHeads, headDim]. */
  quantK: Float32Array;
  pairs: PositionPairs;
  variant: QroarVariant;
  /** Optional post-RoPE key quantizer, in place on [tokens, kvHeads, headDim]. */
  quantizeKeysInPlace?: (keys: Float32Array, tokens: number, kvHeads: number, headDim: number) => void;
}

export interface ProxyValue {
  /** √(sumSquares / count), logit units (nats of pre-softmax logit). */
  rms: number;
  sumSquares: number;
  /** Samples × heads. */
  count: number;
}

export interface LogitProxy {
  /** Band scales [bands] (> 0) → RMS logit error. */
  evaluate(bandScales: ArrayLike<number>): ProxyValue;
}

/** Builds the proxy; precomputes band logits once so each evaluation is O(samples·heads·bands). */
export function createLogitProxy(input: LogitProxyInput): LogitProxy {
  const { refQ, refK, quantQ, quantK, tokens, heads, kvHeads, headDim, rotaryDim, layout, bands, pairs, variant } = input;
  checkTokenHeadTensor('logitProxy refQ', refQ, tokens, heads, headDim);
  checkTokenHeadTensor('logitProxy quantQ', quantQ, tokens, heads, headDim);
  checkTokenHeadTensor('logitProxy refK', refK, tokens, kvHeads, headDim);
  checkTokenHeadTensor('logitProxy quantK', quantK, tokens, kvHeads, headDim);
  if (heads % kvHeads !== 0) throw new Error(`logitProxy: heads ${heads} not a multiple of kvHeads ${kvHeads}`);
  const sampleCount = pairs.queryPos.length;
  if (pairs.keyPos.length !== sampleCount) throw new Error(`logitProxy: queryPos ${sampleCount} vs keyPos ${pairs.keyPos.length} samples`);
  for (let s = 0; s < sampleCount; s++) {
    const m = pairs.queryPos[s];
    const n = pairs.keyPos[s];
    if (!(m > n && n >= 0 && m < tokens)) throw new Error(`logitProxy: sample ${s} has (m ${m}, n ${n}); need 0 ≤ n < m < tokens ${tokens}`);
  }
  const bandOfRow = bandIndexOfHeadRows(layout, headDim, rotaryDim, bands);
  const bandCount = bands.length;
  const invSqrtD = 1 / Math.sqrt(headDim);
  const groupSize = heads / kvHeads;
  const count = sampleCount * heads;
  const checkScales = (g: ArrayLike<number>) => {
    if (g.length !== bandCount) throw new Error(`logitProxy: ${g.length} scales for ${bandCount} bands`);
  };

  if (input.quantizeKeysInPlace) {
    const quantizeKeys = input.quantizeKeysInPlace;
    const scaledK = new Float32Array(quantK.length);
    return {
      evaluate(bandScales) {
        checkScales(bandScales);
        const qFactor = rowScalesForProjection(bandScales, { numHeads: 1, headDim, rotaryDim, layout, bands });
        const kFactor = keyFactors(variant, qFactor);
        for (let i = 0; i < quantK.length; i++) scaledK[i] = quantK[i] * kFactor[i % headDim];
        quantizeKeys(scaledK, tokens, kvHeads, headDim);
        let sumSquares = 0;
        for (let s = 0; s < sampleCount; s++) {
          const m = pairs.queryPos[s];
          const n = pairs.keyPos[s];
          for (let h = 0; h < heads; h++) {
            const qBase = (m * heads + h) * headDim;
            const kBase = (n * kvHeads + Math.floor(h / groupSize)) * headDim;
            let e = 0;
            for (let r = 0; r < headDim; r++) e += qFactor[r] * quantQ[qBase + r] * scaledK[kBase + r] - refQ[qBase + r] * refK[kBase + r];
            e *= invSqrtD;
            sumSquares += e * e;
          }
        }
        return { rms: Math.sqrt(sumSquares / count), sumSquares, count };
      },
    };
  }

  // bandLogit[(s·heads + h)·(bands+1) + B] = ℓ̂_B/√d; last column = (ℓ̂_rest − ℓ_ref)/√d.
  const columns = bandCount + 1;
  const bandLogit = new Float64Array(count * columns);
  for (let s = 0; s < sampleCount; s++) {
    const m = pairs.queryPos[s];
    const n = pairs.keyPos[s];
    for (let h = 0; h < heads; h++) {
      const qBase = (m * heads + h) * headDim;
      const kBase = (n * kvHeads + Math.floor(h / groupSize)) * headDim;
      const out = (s * heads + h) * columns;
      let rest = 0;
      for (let r = 0; r < headDim; r++) {
        const lq = quantQ[qBase + r] * quantK[kBase + r];
        rest -= refQ[qBase + r] * refK[kBase + r];
        const b = bandOfRow[r];
        if (b >= 0) bandLogit[out + b] += lq * invSqrtD;
        else rest += lq;
      }
      bandLogit[out + bandCount] = rest * invSqrtD;
    }
  }
  const power = variant === 'shared' ? 2 : variant === 'query-only' ? 1 : 0;
  const coefficient = new Float64Array(bandCount);
  return {
    evaluate(bandScales) {
      checkScales(bandScales);
      for (let b = 0; b < bandCount; b++) {
        const g = bandScales[b];
        if (!(Number.isFinite(g) && g > 0)) throw new Error(`logitProxy: scale ${g} of band ${b} must be finite and > 0`);
        coefficient[b] = g ** power;
      }
      let sumSquares = 0;
      for (let i = 0; i < count; i++) {
        const base = i * columns;
        let e = bandLogit[base + bandCount];
        for (let b = 0; b < bandCount; b++) e += coefficient[b] * bandLogit[base + b];
        sumSquares += e * e;
      }
      return { rms: Math.sqrt(sumSquares / count), sumSquares, count };
    },
  };
}

function keyFactors(variant: QroarVariant, qFactor: Float64Array): Float64Array {
  if (variant === 'shared') return qFactor;
  if (variant === 'query-only') return new Float64Array(qFactor.length).fill(1);
  return qFactor.map((g) => 1 / g);
}

/**
 * Search objective from per-layer proxies sharing global band scales: objective = pooled RMS
 * over all layers' samples (√(Σ sumSquares / Σ count)); guard = the same over `guardLayers`
 * (e.g. proxies built from a short run ≤ L), or 0 when none are given (then the guard never binds).
 */
export function proxySearchObjective(layers: readonly LogitProxy[], guardLayers: readonly LogitProxy[] = []): SearchObjective {
  if (layers.length === 0) throw new Error('proxySearchObjective: no layers');
  const pooled = (proxies: readonly LogitProxy[], g: Float64Array): number => {
    let sq = 0;
    let n = 0;
    for (const p of proxies) {
      const v = p.evaluate(g);
      sq += v.sumSquares;
      n += v.count;
    }
    return n === 0 ? 0 : Math.sqrt(sq / n);
  };
  return async (scales) => ({ objective: pooled(layers, scales), guard: guardLayers.length ? pooled(guardLayers, scales) : 0 });
}
