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
import type { DecoderLayerWeights, LinearWeight } from '../../lib/onnx/weights';
import { rtnPacksAsMatMulNBits, unpackMatMulNBitsInto } from '../../lib/quant/matmulnbits';
import type { RtnOptions } from '../../lib/quant/rtn';
import { roundHeadWeightsToF16, roundLayerWeightsToF16, type WeightPrecision } from '../../lib/run/weightsF16';
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
function expandLinear(w: LinearWeight, into: (length: number) => Float32Array): LinearWeight {
  if (w.kind === 'f32') return w;
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
 * `identity` is the model's header hash and `settingsKey` names everything that changes the
 * assembled values (quant spec and format, Q-ROAR …): together they key the layer cache.
 * `precision` 'f16' rounds every assembled tensor to float16 (full precision only, as
 * lib/run/weights scenarioDecoderWeights does for the whole graph).
 * Fake-quant RTN (quantFormat 'fake') whose codes pack (fakeQuantCachesAsCodes) is assembled as
 * codes and cached so; `expandLayer` turns them into the float32 fake-quant weights per run.
 */
export function layeredWeightSource(
  spec: ModelSpec,
  tensorF32: TensorF32Source,
  opts: AssembleOptions,
  identity: string,
  settingsKey: string,
  precision: WeightPrecision = 'f32',
): LayeredWeightSource {
  if (precision === 'f16' && opts.rtn) throw new Error('weightPrecision f16 is the full-precision noise-floor twin; it cannot be combined with RTN');
  const f16 = precision === 'f16';
  const codes = opts.rtn !== undefined && opts.quantFormat !== 'nbits' && fakeQuantCachesAsCodes(spec, opts.rtn);
  const assemble: AssembleOptions = codes ? { ...opts, quantFormat: 'nbits' } : opts;
  return {
    spec,
    weightsKey: `${identity}|${settingsKey}${f16 ? '|f16' : ''}${codes ? '|codes' : ''}`,
    loadLayer: async (layer) => {
      const lw = await assembleLayerWeights(spec, layer, tensorF32, assemble);
      return f16 ? roundLayerWeightsToF16(lw, layer) : lw;
    },
    ...(codes
      ? {
          expandLayer: (_layer: number, lw: DecoderLayerWeights, scratch: (name: string, length: number) => Float32Array): DecoderLayerWeights => {
            const out: DecoderLayerWeights = { ...lw };
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
