import { describe, expect, it } from 'vitest';
import { parseQroarScalesJson, formatQroarScalesJson } from '../export/scalesJson';
import type { ModelSpec } from '../model/spec';
import { patchedQkTensors, scalesFileOf } from './searchExport';

// One layer, hidden 4, one head of dim 4 (2 rotary pairs, half-split: pair i = rows i and i + 2).
const spec: ModelSpec = {
  architecture: 'llama',
  vocabSize: 8,
  hiddenSize: 4,
  intermediateSize: 8,
  numLayers: 1,
  numHeads: 1,
  numKvHeads: 1,
  headDim: 4,
  rmsNormEps: 1e-5,
  tieWordEmbeddings: false,
  attentionBias: false,
  pairLayout: 'half-split',
  rope: { type: 'default', thetaBase: 10000, headDim: 4, rotaryDim: 4, maxPositionEmbeddings: 16 },
};
const bands = [
  { bandIndex: 0, firstPair: 0, lastPair: 0, label: '0-0' },
  { bandIndex: 1, firstPair: 1, lastPair: 1, label: '1-1' },
];
const ones = () => new Float32Array(16).fill(1);

describe('patchedQkTensors', () => {
  it('shared: q and k rows of band b scaled by g_b, in stored row order; source tensors untouched', async () => {
    const sources = new Map<string, Float32Array>();
    const read = async (name: string) => {
      const t = ones();
      sources.set(name, t);
      return t;
    };
    const tensors = await patchedQkTensors(spec, read, { variant: 'shared', bands, scales: [2, 0.5] });
    expect(tensors.map((t) => t.name)).toEqual(['model.layers.0.self_attn.q_proj.weight', 'model.layers.0.self_attn.k_proj.weight']);
    const rowScale = (t: Float32Array) => [0, 1, 2, 3].map((r) => t[r * 4]);
    expect(rowScale(tensors[0].data)).toEqual([2, 0.5, 2, 0.5]);
    expect(rowScale(tensors[1].data)).toEqual([2, 0.5, 2, 0.5]);
    expect(tensors[0].shape).toEqual([4, 4]);
    for (const t of sources.values()) expect(t.every((v) => v === 1)).toBe(true);
  });

  it('symmetric: k rows by 1/g', async () => {
    const tensors = await patchedQkTensors(spec, async () => ones(), { variant: 'symmetric', bands, scales: [2, 0.5] });
    expect([0, 1, 2, 3].map((r) => tensors[1].data[r * 4])).toEqual([0.5, 2, 0.5, 2]);
  });

  it('refuses a tensor of the wrong size, naming it', async () => {
    await expect(patchedQkTensors(spec, async () => new Float32Array(3), { variant: 'shared', bands, scales: [1, 1] })).rejects.toThrow(
      /q_proj.weight has 3 values/,
    );
  });
});

describe('scalesFileOf', () => {
  it('writes a file lib/export reads back', () => {
    const file = scalesFileOf({
      spec,
      qroar: { variant: 'shared', bands, scales: [1.1, 0.9] },
      bandSource: 'custom:0-0,1-1',
      modelName: 'm',
      modelIdentity: 'a'.repeat(64),
      settings: { context: 16 },
    });
    const back = parseQroarScalesJson(formatQroarScalesJson(file), 'scales.json');
    expect(back.bands).toBe('custom:0-0,1-1');
    expect(back.scales).toEqual([1.1, 0.9]);
    // The one identity scheme, the key `bandscope search --out` writes too (issue #10).
    expect(back.model.hashes).toEqual({ 'bandscope-model-v1': 'a'.repeat(64) });
  });
});

describe('scalesOutcomeSettings', () => {
  it('carries the noise rule, no-op reason, edge hits and the penalty change at the longest context', async () => {
    const { scalesOutcomeSettings } = await import('./searchExport');
    const { contextPenalty } = await import('../qroar/penalty');
    const penalty = [
      contextPenalty({ contextTokens: 256, ptqBefore: [2, 2.1], ptqAfter: [2, 2.1], fpBefore: [1.9, 2], fpAfter: [1.9, 2] }),
      contextPenalty({ contextTokens: 512, ptqBefore: [2.4, 2.6], ptqAfter: [2.3, 2.5], fpBefore: [2.0, 2.2], fpAfter: [2.0, 2.2] }),
    ];
    const out = scalesOutcomeSettings({
      noise: { sigmas: 2, floatToleranceNats: 1e-5 },
      noOpReason: null,
      edgeHits: [{ bandIndex: 0, scale: 0.8, edge: 'lo' }],
      penalty,
    });
    expect(out).toMatchObject({
      noise: { sigmas: 2 },
      noOpReason: null,
      edgeHits: [{ bandIndex: 0, edge: 'lo' }],
      penaltyAtContext: { contextTokens: 512, windows: 2 },
    });
    // Penalty 0.4 → 0.3 on both windows: −25 %.
    expect((out.penaltyAtContext as { relativeChange: number }).relativeChange).toBeCloseTo(-0.25, 12);
    expect(scalesOutcomeSettings({})).toEqual({ noise: null, noOpReason: null, edgeHits: null, penaltyAtContext: null });
  });
});
