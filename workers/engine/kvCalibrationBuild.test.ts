// The dashboard's calibration glue over a real engine client (in-process worker, onnxruntime-node,
// the served built-in folder read from disk): scales equal lib/eval's on a directly built graph.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { calibrateKvChannelScales } from '../../lib/eval/kvCalibration';
import { assembleDecoderWeights } from '../../lib/onnx/assembleWeights';
import { buildLlamaGraph } from '../../lib/onnx/llamaGraph';
import { createNodeEngine } from '../../cli/engine/nodeRunner';
import { builtinSpec, builtinTensors } from '../../cli/engine/testing/builtin';
import { createOrtNodeRuntime } from '../runtime/ort-node';
import { createUrlGraphBuilder } from './buildGraph';
import { createEngineClient } from './client';
import { createInProcessWorker } from './testing/inProcessWorker';
import type { GraphBuildRequest, ModelSource } from './protocol';
import { diskFetch } from './testing/diskFetch';
import { withKvCalibration } from './kvCalibrationBuild';
import { kvBuild, rtnBuild } from '../../lib/testing/specBuilds';

const ROOT = join(import.meta.dirname, '..', '..');
const tokens = Int32Array.from(readFileSync(join(ROOT, 'training', 'fixture', 'tokens_0.bin')));

describe('withKvCalibration', () => {
  it('fills per-channel scales (once per model/quant/rope/text), leaves per-token builds alone', async () => {
    const spec = builtinSpec();
    const sent: string[] = [];
    const client = createEngineClient(() => {
      const w = createInProcessWorker(createOrtNodeRuntime({ intraOpNumThreads: 2 }), createUrlGraphBuilder(diskFetch(join(ROOT, 'public'), { bytes: 0 })));
      const post = w.postMessage.bind(w);
      w.postMessage = (m, t) => {
        if (m.kind === 'load-model') sent.push(m.sessionKey);
        post(m, t);
      };
      return w;
    });
    const model = {
      modelId: 'builtin:test',
      spec,
      trainedWindowTokens: 256,
      sourceOf: (build: GraphBuildRequest): ModelSource => ({ kind: 'hf-url', baseUrl: '/models/bandscope-byte-4m/', build }),
    };
    const inputs = { tokens, rope: spec.rope, device: 'wasm' as const, signal: new AbortController().signal };
    const perToken = { seqLen: 512, quant: rtnBuild('rtn:w4g32a'), kv: kvBuild('int8:token:post') };
    expect(await withKvCalibration(client, model, perToken, inputs)).toBe(perToken);

    const build = { seqLen: 512, quant: rtnBuild('rtn:w4g32a'), kv: kvBuild('int8:channel:pre:k:hadamard') };
    const out = await withKvCalibration(client, model, build, inputs);
    const again = await withKvCalibration(client, model, { ...build, seqLen: 1024 }, inputs);
    expect(sent).toHaveLength(1); // one calibration session: memoised across context lengths
    expect(again.kvChannelScales).toBe(out.kvChannelScales);
    expect(out.kvChannelScales!.v).toBeUndefined();

    const tensors = builtinTensors();
    const weights = await assembleDecoderWeights(spec, async (n) => tensors.get(n)!, { rtn: { bits: 4, groupSize: 32, symmetric: false } });
    const ref = await calibrateKvChannelScales({
      kv: build.kv,
      tokens,
      calibrationTokens: 256,
      trainedWindowTokens: 256,
      rope: spec.rope,
      dims: spec,
      openEngine: (g) => createNodeEngine(buildLlamaGraph(spec, weights, g)),
    });
    for (let l = 0; l < spec.numLayers; l++) expect(Array.from(out.kvChannelScales!.k![l])).toEqual(Array.from(ref.k![l]));
    client.terminate();
  }, 60_000);
});
