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
  it('scores each context with its own engine and window budget', async () => {
    const calls: number[] = [];
    const progress: number[] = [];
    const { curve, perContext } = await perplexityCurve({
      method: 'linear', variant: 'fp', rope, tokens: new Int32Array(200), contexts: [4, 16], tokenBudget: 32,
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
