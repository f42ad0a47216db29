import type { ModelSpec } from '../model/spec';
import { rtnFakeQuant, rtnQuantize, type RtnOptions } from '../quant/rtn';
import { packMatMulNBitsFromRtn } from '../quant/matmulnbits';
import { decoderLinearNames, type DecoderLayerWeights, type DecoderWeights, type LinearWeight, type NBitsLinear } from './weights';

/** Reads one tensor by its Hugging Face name as float32 (the model loader's `tensorF32`). */
export type TensorF32Source = (hfName: string) => Promise<Float32Array>;

export type DecoderLinearKey = 'q' | 'k' | 'v' | 'o' | 'gate' | 'up' | 'down';

export interface AssembleOptions {
  /** RTN applied to every decoder linear (never embeddings or lm_head); absent = full precision. */
  rtn?: RtnOptions;
  /** 'fake': dequantized float32 weights; 'nbits': MatMulNBits codes (4/8 bits). Default 'fake'. */
  quantFormat?: 'fake' | 'nbits';
  /**
   * Rewrites a linear's float32 weight [out, in] (and bias) before quantization — the Q-ROAR
   * band scaling of W_Q/W_K (SPEC §5: scale first, then quantize). Must not change shapes.
   */
  preQuant?: (layerIndex: number, key: DecoderLinearKey, weight: Float32Array, bias?: Float32Array) => { weight: Float32Array; bias?: Float32Array };
  /**
   * Rewrites a per-head q/k RMSNorm weight [headDim] (spec.qkNorm models) — where Q-ROAR band
   * scales go on such models, since the norm would undo a scale on W_Q/W_K rows. Must not change
   * the length and must not write into its argument.
   */
  qkNormTransform?: (layerIndex: number, which: 'q' | 'k', weight: Float32Array) => Float32Array;
  /**
   * A decoder linear's weight as the file stores it, when that is already MatMulNBits-exact (GGUF
   * Q4_0/Q8_0: lib/quant/gguf/toMatMulNBits), else null. Used only without RTN and without a
   * pre-quant transform (either changes the weights, so they are dequantized first); the bias, if
   * any, still comes from `tensorF32`.
   */
  storedLinear?: (hfName: string, outFeatures: number, inFeatures: number) => Promise<NBitsLinear | null>;
}

/**
 * Gather the decoder weights of `spec` from a tensor source, applying the optional pre-quant
 * transform and RTN. Linear weights stay [out, in] (HF layout).
 */
export async function assembleDecoderWeights(spec: ModelSpec, tensorF32: TensorF32Source, opts: AssembleOptions = {}): Promise<DecoderWeights> {
  const layers: DecoderLayerWeights[] = [];
  for (let l = 0; l < spec.numLayers; l++) layers.push(await assembleLayerWeights(spec, l, tensorF32, opts));
  return { ...(await assembleHeadWeights(spec, tensorF32)), layers };
}

/** The embedding, final norm and LM head (the very embedding array when tied), float32 as read. */
export async function assembleHeadWeights(spec: ModelSpec, tensorF32: TensorF32Source): Promise<Omit<DecoderWeights, 'layers'>> {
  const embedTokens = await tensorF32('model.embed_tokens.weight');
  return {
    embedTokens,
    finalNorm: await tensorF32('model.norm.weight'),
    lmHead: spec.tieWordEmbeddings ? embedTokens : await tensorF32('lm_head.weight'),
  };
}

/**
 * Decoder layer `layerIndex` of `spec` from a tensor source, with the pre-quant transform and RTN
 * of `opts` — what assembleDecoderWeights does for each layer, so the layer-streamed engine reads
 * one layer at a time and gets the same arrays' values.
 */
export async function assembleLayerWeights(
  spec: ModelSpec,
  layerIndex: number,
  tensorF32: TensorF32Source,
  opts: AssembleOptions = {},
): Promise<DecoderLayerWeights> {
  const { hiddenSize, intermediateSize, numHeads, numKvHeads, headDim } = spec;
  const shapes: Record<DecoderLinearKey, [number, number]> = {
    q: [numHeads * headDim, hiddenSize],
    k: [numKvHeads * headDim, hiddenSize],
    v: [numKvHeads * headDim, hiddenSize],
    o: [hiddenSize, numHeads * headDim],
    gate: [intermediateSize, hiddenSize],
    up: [intermediateSize, hiddenSize],
    down: [hiddenSize, intermediateSize],
  };
  const hasBias = (key: DecoderLinearKey) => spec.attentionBias && (key === 'q' || key === 'k' || key === 'v');
  const l = layerIndex;
  const names = decoderLinearNames(l);
  const linears = {} as Record<DecoderLinearKey, LinearWeight>;
  for (const key of Object.keys(shapes) as DecoderLinearKey[]) {
    const [rows, cols] = shapes[key];
    const stored = opts.storedLinear && !opts.rtn && !opts.preQuant ? await opts.storedLinear(`${names[key]}.weight`, rows, cols) : null;
    if (stored) {
      linears[key] = hasBias(key) ? { ...stored, bias: await tensorF32(`${names[key]}.bias`) } : stored;
      continue;
    }
    let weight = await tensorF32(`${names[key]}.weight`);
    let bias = hasBias(key) ? await tensorF32(`${names[key]}.bias`) : undefined;
    if (weight.length !== rows * cols) throw new Error(`${names[key]}.weight has ${weight.length} values, expected [${rows}, ${cols}]`);
    if (opts.preQuant) ({ weight, bias } = opts.preQuant(l, key, weight, bias));
    linears[key] = quantizeLinear(weight, rows, cols, bias, opts);
  }
  const qkNorms: { qNorm?: Float32Array; kNorm?: Float32Array } = {};
  if (spec.qkNorm) {
    for (const which of ['q', 'k'] as const) {
      let w = await tensorF32(`model.layers.${l}.self_attn.${which}_norm.weight`);
      if (w.length !== headDim) throw new Error(`model.layers.${l}.self_attn.${which}_norm.weight has ${w.length} values, expected [${headDim}]`);
      if (opts.qkNormTransform) w = opts.qkNormTransform(l, which, w);
      qkNorms[which === 'q' ? 'qNorm' : 'kNorm'] = w;
    }
  }
  return {
    inputNorm: await tensorF32(`model.layers.${l}.input_layernorm.weight`),
    postAttentionNorm: await tensorF32(`model.layers.${l}.post_attention_layernorm.weight`),
    ...qkNorms,
    ...linears,
  };
}

function quantizeLinear(weight: Float32Array, rows: number, cols: number, bias: Float32Array | undefined, opts: AssembleOptions): LinearWeight {
  if (!opts.rtn) return { kind: 'f32', outFeatures: rows, inFeatures: cols, weight, bias };
  // Fused quantize-dequantize: the same floats as rtnDequantize(rtnQuantize(…)), without the codes array.
  if (opts.quantFormat !== 'nbits') return { kind: 'f32', outFeatures: rows, inFeatures: cols, weight: rtnFakeQuant(weight, rows, cols, opts.rtn), bias };
  const p = packMatMulNBitsFromRtn(rtnQuantize(weight, rows, cols, opts.rtn));
  return {
    kind: 'nbits',
    outFeatures: rows,
    inFeatures: cols,
    bits: p.attributes.bits as NBitsLinear['bits'],
    blockSize: p.attributes.block_size,
    packed: p.b,
    scales: p.scales,
    zeroPoints: p.zeroPoints,
    bias,
  };
}
