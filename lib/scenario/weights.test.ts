import { describe, expect, it } from 'vitest';
import { openModel } from '../model/open';
import { tinyHfFolder, tinyTensorValues, TINY } from '../model/testing/tinyModels';
import { rtnDequantize, rtnQuantize } from '../quant/rtn';
import type { LinearWeight } from '../onnx/weights';
import { bandsFromPairRanges, scenarioDecoderWeights } from './weights';

const RTN = { bits: 4, groupSize: 32, symmetric: false } as const;
const f32 = (w: LinearWeight): Float32Array => {
  if (w.kind !== 'f32') throw new Error('expected f32 linear');
  return w.weight;
};
const name = (k: string) => `model.layers.0.${k === 'q' || k === 'k' || k === 'v' || k === 'o' ? `self_attn.${k}_proj` : `mlp.${k}_proj`}.weight`;

async function tiny() {
  const model = await openModel(tinyHfFolder());
  return { spec: model.spec, src: (n: string) => model.tensorF32(n) };
}

describe('scenarioDecoderWeights', () => {
  it('quantLayers qk: RTN on q and k only (hand-applied RTN as reference), others untouched', async () => {
    const { spec, src } = await tiny();
    const w = await scenarioDecoderWeights(spec, src, { rtn: RTN, quantLayers: 'qk' });
    const rows = { q: TINY.heads * TINY.headDim, k: TINY.kvHeads * TINY.headDim };
    for (const key of ['q', 'k'] as const) {
      const ref = rtnDequantize(rtnQuantize(tinyTensorValues(name(key)), rows[key], TINY.hidden, RTN));
      expect(f32(w.layers[0][key])).toEqual(ref);
    }
    for (const key of ['v', 'o', 'gate', 'up', 'down'] as const) expect(f32(w.layers[0][key])).toEqual(tinyTensorValues(name(key)));
  });

  it('quantLayers attention: q,k,v,o change, the MLP does not; all = assembleDecoderWeights rtn path', async () => {
    const { spec, src } = await tiny();
    const att = await scenarioDecoderWeights(spec, src, { rtn: RTN, quantLayers: 'attention' });
    const all = await scenarioDecoderWeights(spec, src, { rtn: RTN });
    for (const key of ['q', 'k', 'v', 'o'] as const) expect(f32(att.layers[0][key])).toEqual(f32(all.layers[0][key]));
    for (const key of ['gate', 'up', 'down'] as const) {
      expect(f32(att.layers[0][key])).toEqual(tinyTensorValues(name(key)));
      expect(f32(all.layers[0][key])).not.toEqual(tinyTensorValues(name(key)));
    }
  });

  it('Q-ROAR symmetric: q rows × g, k rows ÷ g per band before RTN (half-split pairs i and i + 16)', async () => {
    const { spec, src } = await tiny();
    // rotaryDim 32 → 16 pairs; band 0 = pairs 0–7 (scale 2), band 1 = pairs 8–15 (scale 0.5).
    const qroar = {
      variant: 'symmetric' as const,
      bands: bandsFromPairRanges([
        [0, 7],
        [8, 15],
      ]),
      scales: [2, 0.5],
    };
    const w = await scenarioDecoderWeights(spec, src, { qroar });
    const q0 = tinyTensorValues(name('q'));
    const k0 = tinyTensorValues(name('k'));
    const cols = TINY.hidden;
    const factor = (row: number) => ((row % 32) % 16 < 8 ? 2 : 0.5);
    for (const row of [0, 7, 8, 15, 16, 24, 31, 32, 40, 63]) {
      expect(f32(w.layers[0].q)[row * cols + 3]).toBeCloseTo(q0[row * cols + 3] * factor(row), 6);
    }
    for (const row of [0, 8, 20, 31]) expect(f32(w.layers[0].k)[row * cols + 5]).toBeCloseTo(k0[row * cols + 5] / factor(row), 6);
    const wq = await scenarioDecoderWeights(spec, src, { qroar, rtn: RTN, quantLayers: 'qk' });
    const scaledQ = Float32Array.from(q0, (v, i) => Math.fround(v * factor(Math.floor(i / cols))));
    expect(f32(wq.layers[0].q)).toEqual(rtnDequantize(rtnQuantize(scaledQ, 64, cols, RTN)));
  });

  it('refuses a subset with MatMulNBits and bad band ranges, naming the values', async () => {
    const { spec, src } = await tiny();
    await expect(scenarioDecoderWeights(spec, src, { rtn: RTN, quantLayers: 'qk', quantFormat: 'nbits' })).rejects.toThrow(/quantLayers 'qk'/);
    expect(() => bandsFromPairRanges([[3, 2]])).toThrow(/\[3, 2\]/);
  });
});
