// A tied-embedding model gives the same per-token NLL through the engine (onnxruntime-node, CPU)
// whichever name stores its shared matrix. The reference is the untied path: a folder that stores
// both matrices separately, with lm_head holding a copy of the embedding, read as two tensors.
import { describe, expect, it } from 'vitest';
import { graphRopeInputs } from '../../lib/eval/ropeInputs';
import { byteSourceFromBytes, type ByteSource } from '../../lib/model/byteSource';
import { openModel } from '../../lib/model/open';
import { f32Bytes } from '../../lib/model/testing/safetensorsWriter';
import { tiedHfFolder, TIED_LAYOUTS } from '../../lib/model/testing/tiedModels';
import { tinyGguf, tinyHfFolder, tinyTensorValues, TINY } from '../../lib/model/testing/tinyModels';
import { assembleDecoderWeights } from '../../lib/onnx/assembleWeights';
import { buildLlamaGraph } from '../../lib/onnx/llamaGraph';
import { createNodeEngine } from './nodeRunner';

const T = 12;
const ids = Int32Array.from({ length: T }, (_, i) => (i * 7 + 3) % TINY.vocab);
const embed = tinyTensorValues('model.embed_tokens.weight');

async function nllOf(files: ByteSource[]): Promise<number[]> {
  const model = await openModel(files);
  const weights = await assembleDecoderWeights(model.spec, (n) => model.tensorF32(n));
  const engine = await createNodeEngine(buildLlamaGraph(model.spec, weights, { seqLen: T }), { intraOpThreads: 1 });
  try {
    const { cos, sin } = graphRopeInputs(model.spec.rope, T);
    return Array.from((await engine.run({ ids, cos, sin })).nll);
  } finally {
    await engine.dispose();
  }
}

describe('tied embeddings through the engine', () => {
  it('HF: only embed, only lm_head, lm_head + __metadata__ alias and both give the untied copy’s NLL', async () => {
    const reference = await nllOf(tinyHfFolder({ values: { 'lm_head.weight': embed } }));
    expect(reference.every(Number.isFinite)).toBe(true);
    // The test can tell lm_heads apart: the tiny model's own (different) lm_head changes the NLL.
    expect(await nllOf(tinyHfFolder())).not.toEqual(reference);
    for (const layout of TIED_LAYOUTS) expect(await nllOf(tiedHfFolder(layout)), layout).toEqual(reference);
  }, 60_000);

  it('GGUF without output.weight gives the NLL of the same GGUF with output.weight = token_embd', async () => {
    const untied = await nllOf([byteSourceFromBytes(tinyGguf('llama', {}, { 'output.weight': { ggmlType: 'F32', data: f32Bytes(embed) } }), 'untied.gguf')]);
    const tied = await nllOf([byteSourceFromBytes(tinyGguf('llama', {}, {}, ['output.weight']), 'tied.gguf')]);
    expect(tied).toEqual(untied);
  }, 60_000);
});
