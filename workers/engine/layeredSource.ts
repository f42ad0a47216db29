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
import { roundHeadWeightsToF16, roundLayerWeightsToF16, type WeightPrecision } from '../../lib/scenario/weightsF16';
import type { LayeredWeightSource } from './layeredSession';

/**
 * `identity` is the model's header hash and `settingsKey` names everything that changes the
 * assembled values (quant spec and format, Q-ROAR …): together they key the layer cache.
 * `precision` 'f16' rounds every assembled tensor to float16 (full precision only, as
 * lib/scenario/weights scenarioDecoderWeights does for the whole graph).
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
  return {
    spec,
    weightsKey: `${identity}|${settingsKey}${f16 ? '|f16' : ''}`,
    loadLayer: async (layer) => {
      const lw = await assembleLayerWeights(spec, layer, tensorF32, opts);
      return f16 ? roundLayerWeightsToF16(lw, layer) : lw;
    },
    loadHead: async () => {
      const head = await assembleHeadWeights(spec, tensorF32);
      return f16 ? roundHeadWeightsToF16(head) : head;
    },
  };
}
