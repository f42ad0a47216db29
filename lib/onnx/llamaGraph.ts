import { assertContextWithinWindow } from '../model/errors';
import type { ModelSpec } from '../model/spec';
import {
  checkDecoderDims,
  checkLinear,
  decoderShared,
  emitDecoderLayer,
  halfSplitLayer,
  matMulNBitsAttributes,
  rmsNormOp,
  tapEmitter,
  type LayerWeightBinding,
} from './decoderLayer';
import { GraphBuilder } from './graphBuilder';
import { createKvCacheQuant, type GraphKvQuant } from './kvCacheQuant';
import { DEFAULT_HEAD_BUDGET_BYTES, embeddingAndHead } from './lmHead';
import { OnnxDataType } from './proto';
import type { DecoderLayerWeights, DecoderWeights } from './weights';

export { attentionQueryChunk } from './decoderLayer';

/** Default cap on one query chunk's attention score tensor: 64 MiB. */
export const DEFAULT_ATTENTION_BUDGET_BYTES = 64 * 1024 * 1024;

export interface LlamaGraphOptions {
  /** Tokens per run T; the graph's shapes are fixed to it. */
  seqLen: number;
  /** Also output `logits` float32 [T, vocab] (the only [T, vocab] tensor the graph then holds). */
  logits?: boolean;
  /**
   * Bytes allowed for one vocabulary chunk's logits (T × rows × 4) in the LM head
   * (lib/onnx/lmHead.ts); default 64 MiB. The NLL never needs a [T, vocab] tensor.
   */
  headBudgetBytes?: number;
  /** Layers whose q/k are output as q_pre_L, k_pre_L, q_post_L, k_post_L. */
  tapLayers?: number[];
  /** Bytes allowed for one chunk's score tensor (numHeads × chunk × T × 4). */
  attentionBudgetBytes?: number;
  /** Also output `v_L` [T, numKvHeads, headDim] for each tap layer (per-channel KV calibration). */
  tapValues?: boolean;
  /** false: leave out q_pre_L / q_post_L (a KV calibration run reads only k and v; q taps are the largest). Default true. */
  tapQueries?: boolean;
  /** KV-cache fake quant inside the graph (SPEC §3; lib/onnx/kvCacheQuant.ts); off when absent. */
  kvQuant?: GraphKvQuant;
  /**
   * With per-channel kvQuant: also output `kv_clipped` float32 [T], per token position the number
   * of cached elements (all layers, heads, channels, k and v) that saturated at ±qmax·s beyond the
   * calibrated range.
   */
  kvClipCount?: boolean;
}

export type { GraphKvQuant };

export interface LlamaGraph {
  /** The .onnx bytes. */
  modelBytes: Uint8Array;
  seqLen: number;
  /** Output names in the order a runner should fetch them. */
  outputNames: string[];
  /** Query rows per attention chunk actually used. */
  queryChunk: number;
  /** Vocabulary rows per LM-head chunk actually used (the last chunk may be shorter). */
  vocabChunkRows: number;
}

/**
 * Build the LLaMA decoder of `spec` as an ONNX model (opset 17 + com.microsoft MatMulNBits).
 *
 * Inputs: `input_ids` int64 [1, T]; `cos`, `sin` float32 [T, headDim], half-split layout
 * (row m = position m, columns i and i + rotaryDim/2 hold pair i), attention factor folded in;
 * columns ≥ rotaryDim must be cos 1, sin 0 (pass-through for partial rotary).
 * Per-head q/k RMSNorm (spec.qkNorm, Qwen3) is applied before RoPE; q_pre/k_pre taps are after it.
 * Throws ContextBeyondWindowError (user-facing) when T exceeds spec.slidingWindowTokens.
 * Outputs: `nll` float32 [T − 1] (nats; token t+1 given tokens ≤ t), optional `logits`
 * [T, vocab], optional taps [T, heads, headDim] (k/v taps have numKvHeads heads), always in the
 * half-split layout: interleaved (GGUF) q/k rows are permuted to half-split here, at build time.
 * Taps q_pre/k_pre/q_post/k_post (and v_L) are before any KV quant; with kvQuant, k_kv_L and
 * v_kv_L are the keys (post-RoPE) and values attention actually used, in the model's own basis
 * also when the cache is Hadamard-rotated (kvCacheQuant.ts says why).
 * Memory: queries are processed in chunks so each score tensor holds at most
 * `attentionBudgetBytes` (default 64 MiB); peak transient ≈ 3× that (scores, masked, softmax).
 * The LM head runs in vocabulary chunks of ≤ `headBudgetBytes` logits (lib/onnx/lmHead.ts), so
 * only an asked-for `logits` output is ever [T, vocab]; a tied embedding is stored once.
 */
export function buildLlamaGraph(spec: ModelSpec, weights: DecoderWeights, options: LlamaGraphOptions): LlamaGraph {
  const { seqLen, vocabSize, hiddenSize, numLayers, numKvHeads, headDim } = { ...spec, seqLen: options.seqLen };
  checkDecoderDims(spec, seqLen);
  // Full causal attention equals sliding-window attention only up to the window.
  assertContextWithinWindow(spec, seqLen);
  if (weights.layers.length !== numLayers) throw new Error(`weights have ${weights.layers.length} layers, spec says ${numLayers}`);
  if (weights.embedTokens.length !== vocabSize * hiddenSize) {
    throw new Error(`embed_tokens has ${weights.embedTokens.length} values, expected [${vocabSize}, ${hiddenSize}]`);
  }
  if (weights.lmHead.length !== vocabSize * hiddenSize) throw new Error(`lm_head has ${weights.lmHead.length} values, expected [${vocabSize}, ${hiddenSize}]`);
  const taps = new Set(options.tapLayers ?? []);
  for (const l of taps) if (!(l >= 0 && l < numLayers)) throw new Error(`tap layer ${l} outside 0…${numLayers - 1}`);

  const budget = options.attentionBudgetBytes ?? DEFAULT_ATTENTION_BUDGET_BYTES;
  const usesNBits = { value: false };

  const g = new GraphBuilder();
  g.inputs.push({ name: 'input_ids', dataType: OnnxDataType.INT64, dims: [1, seqLen] });
  g.inputs.push({ name: 'cos', dataType: OnnxDataType.FLOAT, dims: [seqLen, headDim] });
  g.inputs.push({ name: 'sin', dataType: OnnxDataType.FLOAT, dims: [seqLen, headDim] });

  const ids = g.reshape('input_ids', [seqLen]);
  const shared = decoderShared(g, spec, seqLen, budget);
  const kv = options.kvQuant;
  const kvCache = createKvCacheQuant(g, kv, { numKvHeads, headDim }, options.kvClipCount === true);
  const tapOutputs: string[] = [];
  const tap = tapEmitter(g, seqLen, headDim, tapOutputs);
  const tapOpts = { tapQueries: options.tapQueries !== false, tapValues: options.tapValues === true };

  const head = embeddingAndHead(g, ids, { seqLen, vocabSize, hiddenSize }, weights, options.headBudgetBytes ?? DEFAULT_HEAD_BUDGET_BYTES);
  let x = head.embedded;
  for (let l = 0; l < numLayers; l++) {
    const binding = initializerBinding(g, spec, halfSplitLayer(spec, weights.layers[l]), `layers.${l}`, usesNBits);
    x = emitDecoderLayer(g, spec, shared, { quant: kv, cache: kvCache }, x, binding, { kvLayer: l, tapLayer: l }, { tapped: taps.has(l), ...tapOpts }, tap);
  }

  if (weights.finalNorm.length !== hiddenSize) throw new Error(`norm: ${weights.finalNorm.length} values, expected [${hiddenSize}]`);
  const final = rmsNormOp(g, x, spec.rmsNormEps, () => g.f32('norm', weights.finalNorm, [hiddenSize]));
  const { nll, logits } = head.applyHead(final, options.logits === true);
  g.reshape(nll, [seqLen - 1], 'nll');
  g.outputs.unshift({ name: 'nll', dataType: OnnxDataType.FLOAT, dims: [seqLen - 1] });
  const outputNames = ['nll'];
  if (logits !== null) {
    g.op('Identity', [logits], undefined, { output: 'logits' });
    g.outputs.push({ name: 'logits', dataType: OnnxDataType.FLOAT, dims: [seqLen, vocabSize] });
    outputNames.push('logits');
  }
  outputNames.push(...tapOutputs);
  const clipped = kvCache.clippedTotal();
  if (clipped !== null) {
    g.op('Identity', [clipped], undefined, { output: 'kv_clipped' });
    g.outputs.push({ name: 'kv_clipped', dataType: OnnxDataType.FLOAT, dims: [seqLen] });
    outputNames.push('kv_clipped');
  }

  const opsets = [{ domain: '', version: 17 }];
  if (usesNBits.value) opsets.push({ domain: 'com.microsoft', version: 1 });
  return { modelBytes: g.encode(opsets), seqLen, outputNames, queryChunk: shared.queryChunk, vocabChunkRows: head.chunks[0].endRow };
}

const LINEAR_NAMES = { q: 'q_proj', k: 'k_proj', v: 'v_proj', o: 'o_proj', gate: 'gate_proj', up: 'up_proj', down: 'down_proj' } as const;
const NORM_NAMES = { input: 'input_layernorm', post: 'post_attention_layernorm', q: 'q_norm', k: 'k_norm' } as const;

/**
 * Weights of one layer (half-split row order) as initializers named `${prefix}.q_proj.weight_t` …:
 * float linears as MatMul on a transposed [in, out] copy, N-bit ones as MatMulNBits.
 */
export function initializerBinding(
  g: GraphBuilder,
  spec: ModelSpec,
  lw: DecoderLayerWeights,
  prefix: string,
  usesNBits: { value: boolean },
): LayerWeightBinding {
  return {
    linear(x, slot, inFeatures, outFeatures) {
      const name = `${prefix}.${LINEAR_NAMES[slot]}`;
      const w = lw[slot];
      checkLinear(w, name, inFeatures, outFeatures);
      let y: string;
      if (w.kind === 'f32') {
        // MatMul on a transposed [in, out] initializer, which onnxruntime prepacks once per session.
        const wt = new Float32Array(inFeatures * outFeatures);
        for (let n = 0; n < outFeatures; n++) for (let k = 0; k < inFeatures; k++) wt[k * outFeatures + n] = w.weight[n * inFeatures + k];
        y = g.op('MatMul', [x, g.f32(`${name}.weight_t`, wt, [inFeatures, outFeatures])]);
      } else {
        usesNBits.value = true;
        const kBlocks = Math.ceil(inFeatures / w.blockSize);
        const ins = [
          x,
          g.u8(`${name}.qweight`, w.packed, [outFeatures, kBlocks, (w.blockSize * w.bits) / 8]),
          g.f32(`${name}.scales`, w.scales, [outFeatures * kBlocks]),
        ];
        if (w.zeroPoints) ins.push(g.u8(`${name}.qzeros`, w.zeroPoints, [outFeatures, Math.ceil((kBlocks * w.bits) / 8)]));
        y = g.op('MatMulNBits', ins, matMulNBitsAttributes(inFeatures, outFeatures, w.bits, w.blockSize), { domain: 'com.microsoft' });
      }
      if (w.bias) y = g.op('Add', [y, g.f32(`${name}.bias`, w.bias, [outFeatures])]);
      return y;
    },
    norm(which) {
      const name = `${prefix}.${NORM_NAMES[which]}`;
      const weight = which === 'input' ? lw.inputNorm : which === 'post' ? lw.postAttentionNorm : which === 'q' ? lw.qNorm : lw.kNorm;
      if (!weight) throw new Error(`${name}: spec.qkNorm is set but the layer has no norm weight`);
      const size = which === 'input' || which === 'post' ? spec.hiddenSize : spec.headDim;
      if (weight.length !== size) throw new Error(`${name}: ${weight.length} values, expected [${size}]`);
      return g.f32(name, weight, [size]);
    },
  };
}
