/**
 * The layer-streamed engine's weight source, shared by the CLI (bandscope eval) and the engine
 * worker: a layer is assembled when the engine needs it (lib/onnx assembleLayerWeights — Q-ROAR
 * hooks, then RTN 'fake' or 'nbits'; optionally rounded to float16 after, as the whole-graph
 * builds do), every tensor read straight from the opened files by byte range (lib/model
 * tensorF32, no whole-file read and no reader-side cache), so only the engine's layer cache decides
 * what stays.
 */
import type { ModelSpec } from '../../lib/model/spec';
import { assembleHeadWeights, assembleLayerWeights, type AssembleOptions, type TensorF32Source } from '../../lib/onnx/assembleWeights';
import { decoderLinearShapes, type DecoderLinearSlot } from '../../lib/onnx/decoderLayer';
import type { FedDecoderLayerWeights, FedLinearWeight, LinearWeight } from '../../lib/onnx/weights';
import { float32ToFp16Bits } from '../../lib/quant/half';
import { rtnPacksAsMatMulNBits, unpackMatMulNBitsInto } from '../../lib/quant/matmulnbits';
import type { RtnOptions } from '../../lib/quant/rtn';
import { roundHeadWeightsToF16, roundLayerWeightsToF16, type WeightPrecision } from '../../lib/scenario/weightsF16';
import type { LayeredWeightSource } from './layeredSession';

const SLOTS: readonly DecoderLinearSlot[] = ['q', 'k', 'v', 'o', 'gate', 'up', 'down'];

/**
 * Whether fake-quant RTN of every decoder linear of `spec` can be held as MatMulNBits codes
 * (lib/quant/matmulnbits rtnPacksAsMatMulNBits: the packing whose unpacking is rtnDequantize bit
 * for bit). lib/model/runBudget counts the layer cache with the same rule.
 */
export function fakeQuantCachesAsCodes(spec: ModelSpec, rtn: RtnOptions): boolean {
  const shapes = decoderLinearShapes(spec);
  return SLOTS.every((slot) => rtnPacksAsMatMulNBits(shapes[slot][1], rtn));
}

/** A codes-form linear as the float32 fake-quant weight the graph runs (exactly rtnDequantize's values), written into `into`. */
function expandLinear(w: FedLinearWeight, into: (length: number) => Float32Array): FedLinearWeight {
  if (w.kind !== 'nbits') return w;
  const weight = unpackMatMulNBitsInto(
    {
      b: w.packed,
      scales: w.scales,
      zeroPoints: w.zeroPoints,
      attributes: { K: w.inFeatures, N: w.outFeatures, bits: w.bits, block_size: w.blockSize },
    },
    into(w.outFeatures * w.inFeatures),
  );
  return { kind: 'f32', outFeatures: w.outFeatures, inFeatures: w.inFeatures, weight, ...(w.bias ? { bias: w.bias } : {}) };
}

/**
 * A float32 linear as float16 bits (round to nearest even), or the float32 linear itself when
 * some finite weight would overflow float16 (|w| > 65504): a baseline must not turn a weight into ±inf.
 */
export function linearToFloat16(w: LinearWeight): FedLinearWeight {
  if (w.kind !== 'f32') return w;
  const bits = float32ToFp16Bits(w.weight);
  for (let i = 0; i < bits.length; i++) if ((bits[i] & 0x7c00) === 0x7c00 && Number.isFinite(w.weight[i])) return w;
  return { kind: 'f16', outFeatures: w.outFeatures, inFeatures: w.inFeatures, weight: bits, ...(w.bias ? { bias: w.bias } : {}) };
}

/** How the layered engine holds and feeds its weights (lib/model/enginePlan decides both from the device facts). */
export interface LayeredWeightFeed {
  /** Full-precision decoder linears as float32 (default), or float16 where the EP computes it. */
  storage?: 'float32' | 'float16';
  /**
   * MatMulNBits codes (quantFormat 'nbits', GGUF Q4_0/Q8_0 repacks) fed as 'codes' (default: the
   * graph runs MatMulNBits) or expanded to 'float32' per run (Gemm; what the CPU EP runs faster).
   */
  nbits?: 'codes' | 'float32';
}

/**
 * `identity` is the model's header hash and `settingsKey` names everything that changes the
 * assembled values (quant spec and format, Q-ROAR …): together they key the layer cache.
 * `precision` 'f16' rounds every assembled tensor to float16 (full precision only, as
 * lib/scenario/weights scenarioDecoderWeights does for the whole graph).
 * Fake-quant RTN (quantFormat 'fake') whose codes pack (fakeQuantCachesAsCodes) is assembled as
 * codes and cached so; `expandLayer` turns them into the float32 fake-quant weights per run.
 * `feed.storage` 'float16' keeps full-precision decoder linears as float16 (linearToFloat16; exact
 * for F16 and for BF16 checkpoints but subnormals), which the group graph casts to float32;
 * `feed.nbits` 'float32' expands MatMulNBits codes to float32 per run like fake quant (same values
 * as the codes dequantized; the group runs Gemm instead of MatMulNBits).
 */
export function layeredWeightSource(
  spec: ModelSpec,
  tensorF32: TensorF32Source,
  opts: AssembleOptions,
  identity: string,
  settingsKey: string,
  precision: WeightPrecision = 'f32',
  feed: LayeredWeightFeed = {},
): LayeredWeightSource {
  const storage = feed.storage ?? 'float32';
  if (precision === 'f16' && opts.rtn) throw new Error('weightPrecision f16 is the full-precision noise-floor twin; it cannot be combined with RTN');
  if (storage === 'float16' && opts.rtn) throw new Error('float16 weight storage is for full-precision baselines; RTN weights are stored as RTN');
  const f16 = precision === 'f16';
  const half = storage === 'float16';
  const codes = opts.rtn !== undefined && opts.quantFormat !== 'nbits' && fakeQuantCachesAsCodes(spec, opts.rtn);
  const assemble: AssembleOptions = codes ? { ...opts, quantFormat: 'nbits' } : opts;
  // Cached as codes either way; expanded per run for fake quant, and for 'nbits' where Gemm is faster.
  const expand = codes || (feed.nbits === 'float32' && (opts.quantFormat === 'nbits' || opts.storedLinear !== undefined));
  return {
    spec,
    weightsKey: `${identity}|${settingsKey}${f16 ? '|f16' : ''}${codes ? '|codes' : ''}${half ? '|store-f16' : ''}`,
    loadLayer: async (layer) => {
      const assembled = await assembleLayerWeights(spec, layer, tensorF32, assemble);
      const lw = f16 ? roundLayerWeightsToF16(assembled, layer) : assembled;
      if (!half) return lw;
      const out: FedDecoderLayerWeights = { ...lw };
      for (const slot of SLOTS) out[slot] = linearToFloat16(lw[slot]);
      return out;
    },
    ...(expand
      ? {
          expandLayer: (_layer: number, lw: FedDecoderLayerWeights, scratch: (name: string, length: number) => Float32Array): FedDecoderLayerWeights => {
            const out: FedDecoderLayerWeights = { ...lw };
            for (const slot of SLOTS) out[slot] = expandLinear(lw[slot], (length) => scratch(slot, length));
            return out;
          },
        }
      : {}),
    loadHead: async () => {
      const head = await assembleHeadWeights(spec, tensorF32);
      return f16 ? roundHeadWeightsToF16(head) : head;
    },
  };
}
