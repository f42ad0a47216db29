import { describe, expect, it } from 'vitest';
import type { NllEngine } from '../eval/engine';
import type { RopeConfig } from '../rope/types';
import { perplexityCurve } from './perplexityCurve';

const rope: RopeConfig = { type: 'default', thetaBase: 10000, headDim: 8, rotaryDim: 8, maxPositionEmbeddings: 16 };

// A hand-built engine: NLL of every prediction = ln(seqLen), so perplexity at context C is exactly C.
function fakeEngine(seqLen: number, calls: number[]): NllEngine {
  return {
    device: 'test',
    seqLen,
    async run({ cos }) {
      calls.push(seqLen);
      expect(cos.length).toBe(seqLen * 8);
      return { nll: new Float32Array(seqLen - 1).fill(Math.log(seqLen)) };
    },
    async dispose() {},
  };
}

describe('perplexityCurve', () => {
  it('static PI: one long graph, shorter contexts from window prefixes', async () => {
    const calls: number[] = [];
    // NLL of the prediction at position p is p + 1 (hand-built), so ppl(C) = exp(mean of 1…C−1) = exp(C/2).
    const engine: NllEngine = {
      device: 'test', seqLen: 16,
      async run() { calls.push(16); return { nll: Float32Array.from({ length: 15 }, (_, p) => p + 1) }; },
      async dispose() {},
    };
    const { curve, perContext } = await perplexityCurve({
      method: 'yarn', variant: 'ptq', rope, tokens: new Int32Array(200), contexts: [4, 16], tokenBudget: 32,
      openEngine: async () => engine,
    });
    expect(calls).toEqual([16, 16]);
    expect(curve.contextTokens).toEqual([4, 16]);
    expect(curve.perplexity[0]).toBeCloseTo(Math.exp(2), 10);
    expect(curve.perplexity[1]).toBeCloseTo(Math.exp(8), 10);
    expect(perContext[0].predictions).toBe(2 * 3);
    // Per window: mean of 1…3 = 2 at C = 4, mean of 1…15 = 8 at C = 16.
    expect(Array.from(perContext[0].perWindowNll)).toEqual([2, 2]);
    expect(Array.from(perContext[1].perWindowNll)).toEqual([8, 8]);
  });
  it('llama-perplexity scoring: each prefix scored from its own ⌊C/2⌋, the BOS fed once per long window', async () => {
    const fed: number[] = [];
    const engine: NllEngine = {
      device: 'test', seqLen: 16,
      async run({ ids }) { fed.push(Number(ids[0])); return { nll: Float32Array.from({ length: 15 }, (_, p) => p + 1) }; },
      async dispose() {},
    };
    const tokens = Int32Array.from({ length: 200 }, (_, i) => 100 + i);
    const { curve, perContext } = await perplexityCurve({
      method: 'yarn', variant: 'ptq', rope, tokens, contexts: [4, 16], tokenBudget: 32,
      openEngine: async () => engine, scoring: { mode: 'llama-perplexity', bosId: 1 },
    });
    expect(fed).toEqual([1, 1]);
    // C = 4: predictions p = 2 only (NLL 3); C = 16: p = 8…14 (NLL 9…15, mean 12).
    expect(curve.perplexity[0]).toBeCloseTo(Math.exp(3), 10);
    expect(curve.perplexity[1]).toBeCloseTo(Math.exp(12), 10);
    expect(perContext.map((r) => [r.predictions, r.firstScoredPrediction])).toEqual([[2, 2], [14, 8]]);
  });
  it('dynamic NTK: each context in its own graph with its own budget', async () => {
    const calls: number[] = [];
    const progress: number[] = [];
    const { curve, perContext } = await perplexityCurve({
      method: 'dynamic', variant: 'fp', rope: { ...rope, type: 'dynamic', factor: 2 }, tokens: new Int32Array(200), contexts: [4, 16], tokenBudget: 32,
      openEngine: async (c) => fakeEngine(c, calls), onProgress: (f) => progress.push(f),
    });
    expect(curve.contextTokens).toEqual([4, 16]);
    expect(curve.perplexity[0]).toBeCloseTo(4, 5);
    expect(curve.perplexity[1]).toBeCloseTo(16, 5);
    expect(perContext.map((r) => r.windows)).toEqual([8, 2]);
    expect(calls).toEqual([4, 4, 4, 4, 4, 4, 4, 4, 16, 16]);
    expect(progress.at(-1)).toBe(1);
  });
});
