// Per-channel (and Hadamard) KV through the dashboard's path — lib/eval calibration on a worker
// engine that builds the served folder, then a worker build carrying the scales — against the
// CLI's path (the same lib/eval calibration on a graph built directly, onnxruntime-node).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { calibrateKvChannelScales } from '../../lib/eval/kvCalibration';
import { graphRopeInputs } from '../../lib/eval/ropeInputs';
import { assembleDecoderWeights } from '../../lib/onnx/assembleWeights';
import { buildLlamaGraph } from '../../lib/onnx/llamaGraph';
import { parseKvSpec } from '../../lib/quant/kvSpec';
import { createNodeEngine } from '../../cli/engine/nodeRunner';
import { builtinSpec, builtinTensors } from '../../cli/engine/testing/builtin';
import { createOrtNodeRuntime } from '../runtime/ort-node';
import { createUrlGraphBuilder } from './buildGraph';
import { createEngineClient } from './client';
import { loadWorkerNllEngine } from './nllEngine';
import { createInProcessWorker } from './testing/inProcessWorker';
import { diskFetch } from './testing/diskFetch';
import { tolerance } from '../../lib/testing/tolerances';
import { rtnBuild } from '../../lib/testing/specBuilds';
import { kvBuildOfSpec } from '../../lib/scenario/builds';

const ROOT = join(import.meta.dirname, '..', '..');
const MODEL_URL = '/models/bandscope-byte-4m/';
const tokens = Int32Array.from(readFileSync(join(ROOT, 'training', 'fixture', 'tokens_0.bin')));

describe('per-channel KV: dashboard (worker) path = CLI path', () => {
  it('int4:channel:post:hadamard — same calibrated scales, same NLL at 512 tokens', async () => {
    const spec = builtinSpec();
    const kv = parseKvSpec('int4:channel:post:hadamard');
    const S = 128;
    const client = createEngineClient(() =>
      createInProcessWorker(createOrtNodeRuntime({ intraOpNumThreads: 2 }), createUrlGraphBuilder(diskFetch(join(ROOT, 'public'), { bytes: 0 }))),
    );
    const common = { kv, tokens, calibrationTokens: S, trainedWindowTokens: 256, rope: spec.rope, dims: spec };
    const workerScales = await calibrateKvChannelScales({
      ...common,
      openEngine: (graph) =>
        loadWorkerNllEngine(
          client,
          { kind: 'hf-url', baseUrl: MODEL_URL, build: { ...graph, quant: rtnBuild('rtn:w4g32a') } },
          { sessionKey: 'cal', seqLen: graph.seqLen, headDim: spec.headDim, device: 'wasm', wantTaps: true },
        ),
    });
    const tensors = builtinTensors();
    const weights = await assembleDecoderWeights(spec, async (n) => tensors.get(n)!, { rtn: { bits: 4, groupSize: 32, symmetric: false } });
    const cliScales = await calibrateKvChannelScales({ ...common, openEngine: (graph) => createNodeEngine(buildLlamaGraph(spec, weights, graph)) });
    for (let l = 0; l < spec.numLayers; l++) {
      expect(Array.from(workerScales.k![l])).toEqual(Array.from(cliScales.k![l]));
      expect(Array.from(workerScales.v![l])).toEqual(Array.from(cliScales.v![l]));
    }

    const T = 512;
    const { cos, sin } = graphRopeInputs(spec.rope, T);
    const ids = tokens.subarray(0, T);
    const long = await loadWorkerNllEngine(
      client,
      { kind: 'hf-url', baseUrl: MODEL_URL, build: { seqLen: T, quant: rtnBuild('rtn:w4g32a'), kv: kvBuildOfSpec(kv), kvChannelScales: workerScales } },
      { sessionKey: 'long', seqLen: T, headDim: spec.headDim, device: 'wasm' },
    );
    const viaWorker = (await long.run({ ids, cos, sin })).nll;
    const direct = await createNodeEngine(buildLlamaGraph(spec, weights, { seqLen: T, kvQuant: { ...kv, channelScales: cliScales } }));
    const viaCli = (await direct.run({ ids, cos, sin })).nll;
    await direct.dispose();
    let maxAbs = 0;
    for (let i = 0; i < viaCli.length; i++) maxAbs = Math.max(maxAbs, Math.abs(viaWorker[i] - viaCli[i]));
    expect(maxAbs).toBeLessThan(tolerance('same-function-nll', 'float32', 'cpu'));
    client.terminate();
  }, 60_000);
});
