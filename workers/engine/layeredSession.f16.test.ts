// Float16 full-precision baselines in the layer-streamed engine (WebGPU with shader-f16 holds full
// precision as float16; lib/model/enginePlan fullPrecisionStorage). The float16-weight group graph
// (Cast to float32, then the float32 Gemm) runs here on onnxruntime-node's CPU EP against the
// float32 run of the same files: checkpoints stored as F16 give the same NLL bit for bit (their
// weights are float16 already); BF16 ones differ only where a weight is a float16 subnormal.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { graphRopeInputs } from '../../lib/eval/ropeInputs';
import { idsToInt64 } from '../../lib/eval/engine';
import type { OpenedModel } from '../../lib/model/open';
import { randomLlamaCheckpoint } from '../../lib/model/testing/randomLlama';
import { decoderLinearNames, type FedDecoderLayerWeights } from '../../lib/onnx/weights';
import { fp16BitsToFloat32 } from '../../lib/quant/half';
import { fixtureSkipMessage, sharedFixture } from '../../lib/testing/sharedFixtures';
import { tolerance } from '../../lib/testing/tolerances';
import { openModelAtPath } from '../../cli/io/nodeByteSource';
import { createOrtNodeRuntime } from '../runtime/ort-node';
import { createLayeredSession, layerWeightBytes, type LayeredWeightSource } from './layeredSession';
import { layeredWeightSource } from './layeredSource';
import { createLayerWeightCache } from './layerWeightCache';

const runtime = createOrtNodeRuntime({ intraOpNumThreads: 2 });
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

async function openRandom(dtype: 'F16' | 'BF16'): Promise<{ model: OpenedModel; close(): Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), `bandscope-f16-${dtype}-`));
  dirs.push(dir);
  const { safetensors, config } = randomLlamaCheckpoint({
    layers: 3,
    hidden: 64,
    intermediate: 160,
    vocab: 40,
    heads: 4,
    kvHeads: 2,
    headDim: 16,
    seed: 5,
    embeddingScale: 2,
    dtype,
  });
  writeFileSync(join(dir, 'model.safetensors'), safetensors);
  writeFileSync(join(dir, 'config.json'), JSON.stringify(config));
  return openModelAtPath(dir);
}

async function nll(source: LayeredWeightSource, seqLen: number, ids: Int32Array): Promise<Float32Array> {
  const spec = source.spec;
  const session = await createLayeredSession(runtime, 'wasm', source, { seqLen, layerGroupSize: 2 }, createLayerWeightCache<FedDecoderLayerWeights>(0));
  try {
    const { cos, sin } = graphRopeInputs(spec.rope, seqLen);
    const out = await session.run({
      input_ids: { type: 'int64', data: idsToInt64(ids), dims: [1, seqLen] },
      cos: { type: 'float32', data: cos, dims: [seqLen, spec.headDim] },
      sin: { type: 'float32', data: sin, dims: [seqLen, spec.headDim] },
    });
    return out.nll.data;
  } finally {
    await session.release();
  }
}

/** The two sources of one model: float32 and float16 storage; checks the float16 one feeds half the linear bytes. */
async function sources(model: OpenedModel) {
  const tensorF32 = (n: string) => model.tensorF32(n);
  const f32 = layeredWeightSource(model.spec, tensorF32, {}, model.identity, 'fp');
  const f16 = layeredWeightSource(model.spec, tensorF32, {}, model.identity, 'fp', 'f32', { storage: 'float16' });
  const a = await f32.loadLayer(0);
  const b = await f16.loadLayer(0);
  for (const slot of ['q', 'k', 'v', 'o', 'gate', 'up', 'down'] as const) expect(b[slot].kind).toBe('f16');
  const normBytes = a.inputNorm.byteLength + a.postAttentionNorm.byteLength;
  expect(layerWeightBytes(b) - normBytes).toBe((layerWeightBytes(a) - normBytes) / 2);
  return { f32, f16 };
}

/** Largest |float16(w) − w| over every decoder linear of `model` (what float16 storage changes). */
async function largestF16Change(model: OpenedModel, source: LayeredWeightSource): Promise<number> {
  let worst = 0;
  for (let l = 0; l < model.spec.numLayers; l++) {
    const stored = await source.loadLayer(l);
    const names = decoderLinearNames(l);
    for (const slot of ['q', 'k', 'v', 'o', 'gate', 'up', 'down'] as const) {
      const w = stored[slot];
      if (w.kind !== 'f16') throw new Error(`${names[slot]} was not stored as float16`);
      const original = await model.tensorF32(`${names[slot]}.weight`);
      const back = fp16BitsToFloat32(w.weight);
      for (let i = 0; i < back.length; i++) worst = Math.max(worst, Math.abs(back[i] - original[i]));
    }
  }
  return worst;
}

describe('layer-streamed float16 weight storage (Cast to float32 in the group graph)', () => {
  it('an F16 checkpoint: per-token NLL identical to the float32 run, no weight changed', async () => {
    const opened = await openRandom('F16');
    try {
      const { f32, f16 } = await sources(opened.model);
      expect(await largestF16Change(opened.model, f16)).toBe(0);
      const ids = Int32Array.from({ length: 24 }, (_, i) => (i * 7 + 2) % 40);
      expect(Array.from(await nll(f16, 24, ids))).toEqual(Array.from(await nll(f32, 24, ids)));
    } finally {
      await opened.close();
    }
  });

  it('a BF16 checkpoint: only float16 subnormals move (≤ 2^-25), the NLL stays within float32 rounding', async () => {
    const opened = await openRandom('BF16');
    try {
      const { f32, f16 } = await sources(opened.model);
      expect(await largestF16Change(opened.model, f16)).toBeLessThanOrEqual(2 ** -25);
      const ids = Int32Array.from({ length: 24 }, (_, i) => (i * 11 + 3) % 40);
      const [a, b] = [await nll(f32, 24, ids), await nll(f16, 24, ids)];
      let d = 0;
      for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i] - b[i]));
      expect(d).toBeLessThan(tolerance('per-token-nll', 'float32', 'cpu'));
    } finally {
      await opened.close();
    }
  });

  const tiny = sharedFixture('llama2-tiny-random', 'llama-2-tiny-random.gguf');
  it.skipIf(!tiny)(
    `llama2-tiny-random (a real F16 GGUF, interleaved q/k rows): float16 storage equals the float32 run ${tiny ? '' : fixtureSkipMessage('llama2-tiny-random', 'llama-2-tiny-random.gguf')}`,
    async () => {
      const opened = await openModelAtPath(tiny!);
      try {
        const { model } = opened;
        expect(model.spec.pairLayout).toBe('interleaved');
        const { f32, f16 } = await sources(model);
        expect(await largestF16Change(model, f16)).toBe(0);
        const ids = Int32Array.from({ length: 32 }, (_, i) => (i * 977 + 13) % model.spec.vocabSize);
        expect(Array.from(await nll(f16, 32, ids))).toEqual(Array.from(await nll(f32, 32, ids)));
      } finally {
        await opened.close();
      }
    },
  );

  it('refuses float16 storage for RTN weights (a full-precision baseline only)', async () => {
    const opened = await openRandom('F16');
    try {
      const { model } = opened;
      expect(() =>
        layeredWeightSource(model.spec, (n) => model.tensorF32(n), { rtn: { bits: 4, groupSize: 32, symmetric: false } }, model.identity, 'w4', 'f32', {
          storage: 'float16',
        }),
      ).toThrow(/float16 weight storage is for full-precision baselines/);
    } finally {
      await opened.close();
    }
  });
});
