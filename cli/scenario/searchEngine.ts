/**
 * `bandscope search`'s engine opener for lib/scenario/search: each build's decoder weights (Q-ROAR
 * scales first, then RTN — SPEC §5; the FP control without RTN or KV quantization) as an ONNX
 * graph on onnxruntime-node. The weights of the last build are kept, so a candidate's L′ graph and
 * its guard graph (same scales) assemble them once.
 */
import type { NllEngine } from '../../lib/eval/engine';
import { buildLlamaGraph, type GraphKvQuant } from '../../lib/onnx/llamaGraph';
import type { DecoderWeights } from '../../lib/onnx/weights';
import type { QroarVariant } from '../../lib/qroar/transform';
import type { RtnOptions } from '../../lib/quant/rtn';
import type { Band } from '../../lib/rope/types';
import type { SearchEngineBuild, SearchEngineOpener } from '../../lib/scenario/searchPlan';
import { createNodeEngine } from '../engine/nodeRunner';
import type { ScenarioModel } from './model';
import { scenarioWeights } from './runs';

export interface CliSearchEngines {
  model: ScenarioModel;
  rtn?: RtnOptions;
  kvQuant?: GraphKvQuant;
  variant: QroarVariant;
  bands: Band[];
}

export function cliSearchOpener(e: CliSearchEngines): SearchEngineOpener {
  let last: { key: string; weights: Promise<DecoderWeights> } | null = null;
  const weightsOf = (build: SearchEngineBuild): Promise<DecoderWeights> => {
    const key = `${build.precision}|${build.scales.join(',')}`;
    if (last?.key !== key) {
      const qroar = { variant: e.variant, bands: e.bands, scales: Float64Array.from(build.scales) };
      last = { key, weights: scenarioWeights(e.model, build.precision === 'fp' ? { qroar } : { rtn: e.rtn, qroar }) };
    }
    return last.weights;
  };
  return async (build: SearchEngineBuild, seqLen: number): Promise<NllEngine> => {
    const weights = await weightsOf(build);
    const kvQuant = build.precision === 'quantized' ? e.kvQuant : undefined;
    return createNodeEngine(
      buildLlamaGraph(e.model.spec, weights, {
        seqLen,
        ...(kvQuant ? { kvQuant } : {}),
        // The tie-break reads post-RoPE keys only.
        ...(build.kTapLayers ? { tapLayers: [...build.kTapLayers], tapQueries: false } : {}),
      }),
    );
  };
}
