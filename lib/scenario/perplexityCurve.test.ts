import { describe, expect, it } from 'vitest';
import type { NllEngine } from '../eval/engine';
import type { RopeConfig } from '../rope/types';
import { graphRopeInputs } from '../eval/ropeInputs';
import { frequencyGroups, perplexityCurve } from './perplexityCurve';

const rope: RopeConfig = { type: 'default', thetaBase: 10000, headDim: 8, rotaryDim: 8, maxPositionEmbeddings: 16 };

describe('perplexityCurve', () => {
  it('static PI: one long graph, shorter contexts from window prefixes', async () => {
    const calls: number[] = [];
    // NLL of the prediction at position p is p + 1 (hand-built), so ppl(C) = exp(mean of 1…C−1) = exp(C/2).
    const engine: NllEngine = {
      device: 'test',
      seqLen: 16,
      async run() {
        calls.push(16);
        return { nll: Float32Array.from({ length: 15 }, (_, p) => p + 1) };
      },
      async dispose() {},
    };
    const { curve, perContext } = await perplexityCurve({
      method: 'yarn',
      variant: 'ptq',
      rope,
      tokens: new Int32Array(200),
      contexts: [4, 16],
      tokenBudget: 32,
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
  it('pinned windows: a count or every whole window of the longest context, the shorter contexts on their prefixes', async () => {
    const starts: number[] = [];
    const tokens = Int32Array.from({ length: 70 }, (_, i) => i);
    const engine: NllEngine = {
      device: 'test',
      seqLen: 16,
      async run({ ids }) {
        starts.push(Number(ids[0]));
        return { nll: Float32Array.from({ length: 15 }, (_, p) => p + 1) };
      },
      async dispose() {},
    };
    const run = (windows: number | 'all') =>
      perplexityCurve({
        method: 'yarn',
        variant: 'fp',
        rope,
        tokens,
        contexts: [4, 16],
        tokenBudget: 16,
        maxWindows: 1,
        windows,
        openEngine: async () => engine,
      });
    // 70 tokens hold 4 whole 16-token windows, at 0, 16, 32, 48; the budget (1 window) is ignored.
    const all = await run('all');
    expect(starts).toEqual([0, 16, 32, 48]);
    expect(all.perContext.map((c) => [c.windows, c.tokens, c.predictions])).toEqual([
      [4, 16, 12],
      [4, 64, 60],
    ]);
    starts.length = 0;
    const two = await run(2);
    expect(starts).toEqual([0, 16]);
    expect(two.perContext[0].nll).toBe(2);
    // More windows than the text holds: capped by it.
    starts.length = 0;
    await run(9);
    expect(starts).toEqual([0, 16, 32, 48]);
  });
  it('llama-perplexity scoring: each prefix scored from its own ⌊C/2⌋, the BOS fed once per long window', async () => {
    const fed: number[] = [];
    const engine: NllEngine = {
      device: 'test',
      seqLen: 16,
      async run({ ids }) {
        fed.push(Number(ids[0]));
        return { nll: Float32Array.from({ length: 15 }, (_, p) => p + 1) };
      },
      async dispose() {},
    };
    const tokens = Int32Array.from({ length: 200 }, (_, i) => 100 + i);
    const { curve, perContext } = await perplexityCurve({
      method: 'yarn',
      variant: 'ptq',
      rope,
      tokens,
      contexts: [4, 16],
      tokenBudget: 32,
      openEngine: async () => engine,
      scoring: { mode: 'llama-perplexity', bosId: 1 },
    });
    expect(fed).toEqual([1, 1]);
    // C = 4: predictions p = 2 only (NLL 3); C = 16: p = 8…14 (NLL 9…15, mean 12).
    expect(curve.perplexity[0]).toBeCloseTo(Math.exp(3), 10);
    expect(curve.perplexity[1]).toBeCloseTo(Math.exp(12), 10);
    expect(perContext.map((r) => [r.predictions, r.firstScoredPrediction])).toEqual([
      [2, 2],
      [14, 8],
    ]);
  });
  it("dynamic NTK: one run per distinct base, each only as long as its group; each prefix equals a direct run with that context's own tables", async () => {
    const dynamic: RopeConfig = { ...rope, type: 'dynamic', factor: 2 };
    expect(frequencyGroups(dynamic, [4, 16, 32])).toEqual([[4, 16], [32]]); // seq ≤ L = 16 keeps the base
    expect(frequencyGroups(rope, [4, 16, 32])).toEqual([[4, 16, 32]]);
    const opened: number[] = [];
    const runs: Array<[number, number]> = [];
    const progress: number[] = [];
    // NLL at prediction p = 2 + cos of position p + 1, column 1: depends on the frequencies fed.
    const engineOf = (seqLen: number): NllEngine => ({
      device: 'test',
      seqLen,
      async run({ ids, cos }) {
        runs.push([cos.length / 8, Number(ids[0])]);
        return { nll: Float32Array.from({ length: seqLen - 1 }, (_, p) => 2 + cos[(p + 1) * 8 + 1]) };
      },
      async dispose() {},
    });
    const tokens = Int32Array.from({ length: 200 }, (_, i) => i);
    const { curve, perContext } = await perplexityCurve({
      method: 'dynamic',
      variant: 'fp',
      rope: dynamic,
      tokens,
      contexts: [4, 16, 32],
      tokenBudget: 64,
      openEngine: async (c) => {
        opened.push(c);
        return engineOf(c);
      },
      onProgress: (f) => progress.push(f),
    });
    expect(opened).toEqual([16, 32]);
    // 2 windows per group, both groups at the C_max windows' starts (0 and 32): the 16-group runs their prefixes.
    expect(runs).toEqual([
      [16, 0],
      [16, 32],
      [32, 0],
      [32, 32],
    ]);
    for (const [k, c] of [4, 16, 32].entries()) {
      const direct = graphRopeInputs(dynamic, c).cos;
      let sum = 0;
      for (let p = 0; p < c - 1; p++) sum += 2 + direct[(p + 1) * 8 + 1];
      expect(curve.perplexity[k]).toBeCloseTo(Math.exp(sum / (c - 1)), 5);
      expect(perContext[k].windows).toBe(2);
    }
    expect(progress.at(-1)).toBe(1);
  });
});
