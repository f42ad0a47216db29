/**
 * Per-channel KV scales for a CLI run (lib/eval/kvCalibration: the first `calibrationTokens` of the
 * text, run once through the same weights and rope on onnxruntime-node), folded into the graph's
 * KV setting; other KV settings pass through unchanged.
 */
import { calibrateKvChannelScales, type KvCalibrationGraph } from '../../lib/eval/kvCalibration';
import type { NllEngine } from '../../lib/eval/engine';
import type { ModelSpec } from '../../lib/model/spec';
import { buildLlamaGraph, type GraphKvQuant } from '../../lib/onnx/llamaGraph';
import type { DecoderWeights } from '../../lib/onnx/weights';
import type { KvQuantSpec } from '../../lib/quant/kvSpec';
import type { RopeConfig } from '../../lib/rope/types';
import { createNodeEngine } from '../engine/nodeRunner';

export async function calibratedGraphKv(
  kvQuant: KvQuantSpec | undefined,
  run: {
    spec: ModelSpec;
    rope: RopeConfig;
    tokens: Int32Array;
    calibrationTokens: number;
    trainedWindowTokens: number;
  } & ({ weights: DecoderWeights } | { openEngine: (graph: KvCalibrationGraph) => Promise<NllEngine> }),
): Promise<GraphKvQuant | undefined> {
  if (kvQuant?.granularity !== 'channel') return kvQuant;
  const channelScales = await calibrateKvChannelScales({
    kv: kvQuant,
    tokens: run.tokens,
    calibrationTokens: run.calibrationTokens,
    trainedWindowTokens: run.trainedWindowTokens,
    rope: run.rope,
    dims: run.spec,
    openEngine: 'openEngine' in run ? run.openEngine : (graph) => createNodeEngine(buildLlamaGraph(run.spec, run.weights, graph)),
  });
  return { ...kvQuant, channelScales };
}
