/**
 * The CLI's weight source for the layer-streamed engine: a layer is assembled when the engine
 * needs it (lib/onnx assembleLayerWeights — Q-ROAR hooks, then RTN 'fake' or 'nbits'), every tensor
 * read straight from the opened files by byte range (lib/model tensorF32, no whole-file read and no
 * reader-side cache), so only the engine's layer cache decides what stays.
 */
import type { ModelSpec } from '../../lib/model/spec';
import { assembleHeadWeights, assembleLayerWeights, type AssembleOptions, type TensorF32Source } from '../../lib/onnx/assembleWeights';
import type { LayeredWeightSource } from '../../workers/engine/layeredSession';

/**
 * `identity` is the model's header hash and `settingsKey` names everything that changes the
 * assembled values (quant spec and format, Q-ROAR file): together they key the layer cache.
 */
export function layeredWeightSource(
  spec: ModelSpec,
  tensorF32: TensorF32Source,
  opts: AssembleOptions,
  identity: string,
  settingsKey: string,
): LayeredWeightSource {
  return {
    spec,
    weightsKey: `${identity}|${settingsKey}`,
    loadLayer: (layer) => assembleLayerWeights(spec, layer, tensorF32, opts),
    loadHead: () => assembleHeadWeights(spec, tensorF32),
  };
}
