/**
 * Scenario decoder weights shared by the CLI (cli/scenario/runs.ts) and the engine worker:
 * optional Q-ROAR band scaling of W_Q/W_K (and biases), then optional RTN on a chosen subset of
 * the decoder linears (SPEC §5: scale first, then quantize).
 */
import type { ModelSpec } from '../model/spec';
import { assembleDecoderWeights, type AssembleOptions, type DecoderLinearKey, type TensorF32Source } from '../onnx/assembleWeights';
import type { DecoderWeights } from '../onnx/weights';
import { rtnDequantize, rtnQuantize, type RtnOptions } from '../quant/rtn';
import type { BandScales } from '../qroar/scales';
import { qroarRowFactors, scaleRowsInPlace, type QroarRowFactors, type QroarVariant } from '../qroar/transform';
import type { Band } from '../rope/types';
import { roundDecoderWeightsToF16, type WeightPrecision } from './weightsF16';

/** Which decoder linears RTN applies to: all seven; q, k, v, o; or q, k only. */
export type QuantLayers = 'all' | 'attention' | 'qk';

export const QUANT_LAYER_KEYS: Readonly<Record<QuantLayers, readonly DecoderLinearKey[]>> = {
  all: ['q', 'k', 'v', 'o', 'gate', 'up', 'down'],
  attention: ['q', 'k', 'v', 'o'],
  qk: ['q', 'k'],
};

export interface QroarSetting {
  variant: QroarVariant;
  bands: readonly Band[];
  /** Band scales, each > 0: global [bands] (the same for every layer) or per layer [layers][bands] (lib/qroar/scales BandScales). */
  scales: BandScales;
}

/** Bands from inclusive pair ranges [[firstPair, lastPair], …] (the wire form of the worker protocol). */
export function bandsFromPairRanges(ranges: ReadonlyArray<readonly [number, number]>): Band[] {
  return ranges.map(([firstPair, lastPair], bandIndex) => {
    if (!Number.isInteger(firstPair) || !Number.isInteger(lastPair) || firstPair < 0 || lastPair < firstPair) {
      throw new Error(`band ${bandIndex}: pair range [${firstPair}, ${lastPair}] must be integers with 0 ≤ first ≤ last`);
    }
    return { bandIndex, firstPair, lastPair, label: `${firstPair}-${lastPair}` };
  });
}

/** Whether `scales` holds one row of band scales per layer ([layers][bands]) rather than one global row. */
export function isPerLayerScales(scales: BandScales): scales is readonly ArrayLike<number>[] {
  return scales.length > 0 && typeof (scales as ArrayLike<unknown>)[0] === 'object';
}

/**
 * Row factors of q_proj [numHeads·headDim] and k_proj [numKvHeads·headDim] of layer `layerIndex`
 * (default 0; global scales are the same in every layer).
 */
export function qroarFactors(spec: ModelSpec, q: QroarSetting, layerIndex = 0): QroarRowFactors {
  const row = isPerLayerScales(q.scales) ? q.scales[layerIndex] : q.scales;
  if (row === undefined) throw new Error(`qroar: no scales for layer ${layerIndex} (the per-layer scales cover ${q.scales.length} layers)`);
  if (row.length !== q.bands.length) throw new Error(`qroar: ${row.length} scales for ${q.bands.length} bands`);
  return qroarRowFactors({
    variant: q.variant,
    bandScales: row,
    bands: q.bands,
    layout: spec.pairLayout,
    numHeads: spec.numHeads,
    numKvHeads: spec.numKvHeads,
    headDim: spec.headDim,
    rotaryDim: spec.rope.rotaryDim,
  });
}

/** assembleDecoderWeights `preQuant` hook scaling copies of W_Q/W_K [rows, in] (and biases [rows]) by `factors`. */
export function qroarPreQuantHook(factors: QroarRowFactors): NonNullable<AssembleOptions['preQuant']> {
  return (_layer, key, weight, bias) => {
    if (key !== 'q' && key !== 'k') return { weight, bias };
    const f = factors[key];
    const w = weight.slice();
    scaleRowsInPlace(w, f.length, w.length / f.length, f);
    const b = bias?.slice();
    if (b) scaleRowsInPlace(b, f.length, 1, f);
    return { weight: w, bias: b };
  };
}

/**
 * The assembleDecoderWeights hooks that apply Q-ROAR row factors where they act. Plain models:
 * W_Q/W_K rows (and biases). Models with a per-head q/k RMSNorm after the projection (spec.qkNorm,
 * Qwen3): the norm would undo any row scale of W_Q/W_K, so the factors go on q_norm/k_norm.weight
 * [headDim] instead — the normalised q/k rows, hence the band logits, then carry exactly g, g² or
 * 1 as SPEC §5 says. The factors of a head's rows are the same in every head (D(g)), so head 0's
 * headDim factors are the norm's. `factorsOf(layer)` gives a layer's factors (global or per layer).
 */
export function qroarAssembleHooks(spec: ModelSpec, factorsOf: (layerIndex: number) => QroarRowFactors): Pick<AssembleOptions, 'preQuant' | 'qkNormTransform'> {
  if (!spec.qkNorm) return { preQuant: (layer, key, weight, bias) => qroarPreQuantHook(factorsOf(layer))(layer, key, weight, bias) };
  return {
    qkNormTransform: (layer, which, weight) => {
      const out = weight.slice();
      scaleRowsInPlace(out, out.length, 1, factorsOf(layer)[which].subarray(0, spec.headDim));
      return out;
    },
  };
}

/** Layer → its Q-ROAR row factors: one set for global scales, one per layer for per-layer scales (each built once, when first asked). */
export function qroarFactorsByLayer(spec: ModelSpec, q: QroarSetting): (layerIndex: number) => QroarRowFactors {
  if (isPerLayerScales(q.scales) && q.scales.length !== spec.numLayers)
    throw new Error(`qroar: per-layer scales for ${q.scales.length} layers, the model has ${spec.numLayers}`);
  const byLayer = new Map<number, QroarRowFactors>();
  const perLayer = isPerLayerScales(q.scales);
  return (layerIndex) => {
    const at = perLayer ? layerIndex : 0;
    let f = byLayer.get(at);
    if (!f) byLayer.set(at, (f = qroarFactors(spec, q, at)));
    return f;
  };
}

export interface ScenarioWeightOptions {
  /** RTN spec; absent = full precision. */
  rtn?: RtnOptions;
  /** Default 'all'. A subset needs quantFormat 'fake'. */
  quantLayers?: QuantLayers;
  /** Default 'fake' (dequantized float32). */
  quantFormat?: 'fake' | 'nbits';
  qroar?: QroarSetting;
  /** 'f16': every weight rounded to float16 after any scaling (the noise-floor twin, lib/scenario/weightsF16); full precision only. Default 'f32'. */
  weightPrecision?: WeightPrecision;
}

/**
 * Decoder weights of `spec` from `tensorF32`: Q-ROAR scaling (when given) applied to W_Q/W_K
 * before RTN, RTN on the linears of `quantLayers`. Linear weights stay [out, in] (HF layout).
 */
export async function scenarioDecoderWeights(spec: ModelSpec, tensorF32: TensorF32Source, opts: ScenarioWeightOptions = {}): Promise<DecoderWeights> {
  if (opts.weightPrecision === 'f16') {
    if (opts.rtn) throw new Error('weightPrecision f16 is the full-precision noise-floor twin; it cannot be combined with RTN');
    return roundDecoderWeightsToF16(await scenarioDecoderWeights(spec, tensorF32, { ...opts, weightPrecision: 'f32' }));
  }
  return assembleDecoderWeights(spec, tensorF32, scenarioAssembleOptions(spec, opts));
}

/**
 * The assembleDecoderWeights / assembleLayerWeights options that give `opts`' weights (all but the
 * float16 rounding, which the caller applies after assembly): one definition for the whole graph
 * (scenarioDecoderWeights) and the layer-streamed engine (workers/engine/layeredSource.ts), so the
 * two read the same values.
 */
export function scenarioAssembleOptions(spec: ModelSpec, opts: ScenarioWeightOptions = {}): AssembleOptions {
  if (opts.weightPrecision === 'f16' && opts.rtn) throw new Error('weightPrecision f16 is the full-precision noise-floor twin; it cannot be combined with RTN');
  const layers = opts.quantLayers ?? 'all';
  if (!(layers in QUANT_LAYER_KEYS)) throw new Error(`quantLayers must be all, attention or qk, got '${String(layers)}'`);
  const hooks = opts.qroar ? qroarAssembleHooks(spec, qroarFactorsByLayer(spec, opts.qroar)) : {};
  const scale = hooks.preQuant;
  if (!opts.rtn || layers === 'all') return { rtn: opts.rtn, quantFormat: opts.quantFormat ?? 'fake', ...hooks };
  if ((opts.quantFormat ?? 'fake') !== 'fake')
    throw new Error(`quantLayers '${layers}' needs quantFormat 'fake' (MatMulNBits for a subset of linears is not wired)`);
  const keys = new Set<DecoderLinearKey>(QUANT_LAYER_KEYS[layers]);
  const rtn = opts.rtn;
  // RTN of the chosen linears happens inside the pre-quant hook (fake quant = dequantized float32,
  // exactly what assembleDecoderWeights does for 'fake'); the rest stay full precision.
  return {
    qkNormTransform: hooks.qkNormTransform,
    preQuant: (layer, key, weight, bias) => {
      const scaled = scale ? scale(layer, key, weight, bias) : { weight, bias };
      if (!keys.has(key)) return scaled;
      const rows = outRows(spec, key);
      const cols = scaled.weight.length / rows;
      return { weight: rtnDequantize(rtnQuantize(scaled.weight, rows, cols, rtn)), bias: scaled.bias };
    },
  };
}

function outRows(spec: ModelSpec, key: DecoderLinearKey): number {
  switch (key) {
    case 'q':
      return spec.numHeads * spec.headDim;
    case 'k':
    case 'v':
      return spec.numKvHeads * spec.headDim;
    case 'o':
    case 'down':
      return spec.hiddenSize;
    case 'gate':
    case 'up':
      return spec.intermediateSize;
  }
}
