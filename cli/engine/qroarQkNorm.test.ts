// Q-ROAR on a model with per-head q/k RMSNorm (Qwen3 fixture of training/arch_reference.py): the
// band scales go on q_norm/k_norm (a W_Q/W_K row scale would be normalised away), so the band
// logits get exactly the SPEC §5 factor, measured on the engine's post-RoPE taps.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { graphRopeInputs } from '../../lib/eval/ropeInputs';
import type { OpenedModel } from '../../lib/model/open';
import { assembleDecoderWeights } from '../../lib/onnx/assembleWeights';
import { buildLlamaGraph } from '../../lib/onnx/llamaGraph';
import type { DecoderWeights } from '../../lib/onnx/weights';
import { patchedQkTensors } from '../../lib/scenario/searchExport';
import {
  bandsFromPairRanges,
  qroarAssembleHooks,
  qroarFactors,
  qroarPreQuantHook,
  scenarioDecoderWeights,
  type QroarSetting,
} from '../../lib/scenario/weights';
import type { NllEngineOutput } from '../../lib/eval/engine';
import { openModelAtPath } from '../io/nodeByteSource';
import { createNodeEngine } from './nodeRunner';
import { archReference, ARCH_FIXTURE_DIR } from './testing/archFixtures';

const T = 24;
const ids = Int32Array.from(archReference().tokens.slice(0, T));
// qwen3-qknorm: 4 heads, 2 KV heads, head_dim 16 = rotary dim → pairs 0…7, pair i = rows (i, i + 8).
const bands = bandsFromPairRanges([
  [0, 2],
  [3, 5],
  [6, 7],
]);
const scales = [1.25, 0.8, 1.1];
let opened: { model: OpenedModel; close(): Promise<void> };

beforeAll(async () => {
  opened = await openModelAtPath(join(ARCH_FIXTURE_DIR, 'qwen3-qknorm'));
});
afterAll(async () => opened.close());

async function run(weights: DecoderWeights): Promise<NllEngineOutput> {
  const { spec } = opened.model;
  const engine = await createNodeEngine(buildLlamaGraph(spec, weights, { seqLen: T, logits: true, tapLayers: [0] }));
  const { cos, sin } = graphRopeInputs(spec.rope, T);
  const out = await engine.run({ ids, cos, sin });
  await engine.dispose();
  return out;
}

const weightsWith = (qroar?: QroarSetting) => scenarioDecoderWeights(opened.model.spec, (n) => opened.model.tensorF32(n), { qroar });

/** Σ over band pairs of q·k (both rows of each pair), query t, key s, head h (KV head h/2), taps [T, heads, 16]. */
function bandLogit(q: Float32Array, k: Float32Array, band: { firstPair: number; lastPair: number }, t: number, s: number, h: number): number {
  let sum = 0;
  for (let i = band.firstPair; i <= band.lastPair; i++) {
    for (const r of [i, i + 8]) sum += q[(t * 4 + h) * 16 + r] * k[(s * 2 + (h >> 1)) * 16 + r];
  }
  return sum;
}

describe('Q-ROAR with q/k norm (Qwen3)', () => {
  it('shared: every band logit of layer 0 is multiplied by g² (scales live in q_norm/k_norm)', async () => {
    const base = await run(await weightsWith());
    const scaled = await run(await weightsWith({ variant: 'shared', bands, scales }));
    const [q0, k0, q1, k1] = [base.taps!.q_post_0, base.taps!.k_post_0, scaled.taps!.q_post_0, scaled.taps!.k_post_0];
    let checked = 0;
    for (const [b, band] of bands.entries()) {
      for (const [t, s, h] of [
        [23, 0, 0],
        [17, 9, 3],
        [5, 5, 1],
        [12, 2, 2],
      ]) {
        const before = bandLogit(q0, k0, band, t, s, h);
        expect(Math.abs(before)).toBeGreaterThan(1e-3);
        expect(bandLogit(q1, k1, band, t, s, h) / before).toBeCloseTo(scales[b] ** 2, 4);
        checked++;
      }
    }
    expect(checked).toBe(12);
  });

  it('symmetric: full-precision logits unchanged', async () => {
    const base = await run(await weightsWith());
    const sym = await run(await weightsWith({ variant: 'symmetric', bands, scales }));
    let m = 0;
    for (let i = 0; i < base.logits!.length; i++) m = Math.max(m, Math.abs(base.logits![i] - sym.logits![i]));
    expect(m).toBeLessThan(1e-4);
    const shared = await run(await weightsWith({ variant: 'shared', bands, scales }));
    expect(Math.abs(shared.nll[T - 2] - base.nll[T - 2])).toBeGreaterThan(1e-4); // the shared run did change something
  });

  it('why: scaling W_Q/W_K rows on this model misses (the norm divides by a per-token RMS)', async () => {
    const { spec } = opened.model;
    const rowsScaled = await assembleDecoderWeights(spec, (n) => opened.model.tensorF32(n), {
      preQuant: qroarPreQuantHook(qroarFactors(spec, { variant: 'shared', bands, scales })),
    });
    const base = (await run(await weightsWith())).taps!.q_post_0;
    const out = (await run(rowsScaled)).taps!.q_post_0;
    // Pair-0 rows (band 0, g 1.25) of head 0: the factor they get is g × rms(x)/rms(D(g)x), not g.
    const got = [3, 11, 20].map((t) => out[t * 4 * 16] / base[t * 4 * 16]);
    expect(Math.max(...got.map((r) => Math.abs(r - 1.25)))).toBeGreaterThan(1e-2);
  });

  it('per-layer factors land on each layer’s own norm; the export holds the patched norms', async () => {
    const { spec } = opened.model;
    const factors = qroarFactors(spec, { variant: 'shared', bands, scales });
    const ones = qroarFactors(spec, { variant: 'shared', bands, scales: [1, 1, 1] });
    const w = await assembleDecoderWeights(
      spec,
      (n) => opened.model.tensorF32(n),
      qroarAssembleHooks(spec, (l) => (l === 0 ? factors : ones)),
    );
    const q0 = await opened.model.tensorF32('model.layers.0.self_attn.q_norm.weight');
    const q1 = await opened.model.tensorF32('model.layers.1.self_attn.q_norm.weight');
    // Row 9 is pair 1 (band 0, g 1.25); row 14 is pair 6 (band 2, g 1.1).
    expect(w.layers[0].qNorm![9]).toBeCloseTo(q0[9] * 1.25, 6);
    expect(w.layers[0].qNorm![14]).toBeCloseTo(q0[14] * 1.1, 6);
    expect(Array.from(w.layers[1].qNorm!)).toEqual(Array.from(q1));
    const exported = await patchedQkTensors(spec, (n) => opened.model.tensorF32(n), { variant: 'symmetric', bands, scales });
    expect(exported.map((t) => t.name)).toEqual([
      'model.layers.0.self_attn.q_norm.weight',
      'model.layers.0.self_attn.k_norm.weight',
      'model.layers.1.self_attn.q_norm.weight',
      'model.layers.1.self_attn.k_norm.weight',
    ]);
    const k1 = await opened.model.tensorF32('model.layers.1.self_attn.k_norm.weight');
    expect(exported[3].data[4]).toBeCloseTo(k1[4] / 0.8, 6); // pair 4, band 1: symmetric k gets 1/g
    expect(exported[3].data[4]).not.toBeCloseTo(k1[4], 3);
  });
});
