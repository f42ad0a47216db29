import { describe, expect, it } from 'vitest';
import { evaluatePerplexity, windowCount } from './perplexity';
import type { NllEngine } from './engine';

/** An engine whose NLL at prediction p is the next token's id / 10, so every number is known by hand. */
function idEngine(seqLen: number, released: number[]): NllEngine {
  return {
    device: 'test',
    seqLen,
    async run({ ids }) {
      const nll = new Float32Array(seqLen - 1);
      for (let p = 0; p < seqLen - 1; p++) nll[p] = Number(ids[p + 1]) / 10;
      return { nll };
    },
    async dispose() {
      released.push(seqLen);
    },
  };
}

describe('evaluatePerplexity', () => {
  it('windows [w·C, (w+1)·C), C − 1 predictions each, per-position means', async () => {
    const tokens = Int32Array.from({ length: 10 }, (_, i) => i); // 0..9
    const released: number[] = [];
    let clock = 0;
    const res = await evaluatePerplexity({
      tokens,
      contexts: [3, 4],
      prepare: async (c) => {
        const engine = idEngine(c, released);
        return { engine, cos: new Float32Array(0), sin: new Float32Array(0), release: () => engine.dispose() };
      },
      nowMs: () => (clock += 500),
    });
    // C = 3: windows (0,1,2) (3,4,5) (6,7,8); predictions of ids 1,2 | 4,5 | 7,8.
    expect(res[0].windows).toBe(3);
    expect(res[0].tokens).toBe(9);
    expect(res[0].predictions).toBe(6);
    expect(res[0].nll).toBeCloseTo((1 + 2 + 4 + 5 + 7 + 8) / 60, 6);
    expect(res[0].ppl).toBeCloseTo(Math.exp(res[0].nll), 12);
    expect(Array.from(res[0].perPositionNll)).toEqual([(0.1 + 0.4 + 0.7) / 3, (0.2 + 0.5 + 0.8) / 3].map((x) => expect.closeTo(x, 6)));
    expect(Array.from(res[0].perWindowNll)).toEqual([0.15, 0.45, 0.75].map((x) => expect.closeTo(x, 6)));
    expect(res[0].seconds).toBeCloseTo(1.5, 12); // three runs × 500 ms
    expect(res[0].tokensPerSecond).toBeCloseTo(6, 12);
    // C = 4: windows (0..3) (4..7).
    expect(res[1].windows).toBe(2);
    expect(res[1].nll).toBeCloseTo((1 + 2 + 3 + 5 + 6 + 7) / 60, 6);
    expect(released).toEqual([3, 4]);
  });

  it("llama-perplexity scoring: BOS over each chunk's first token, predictions from ⌊C/2⌋ on", async () => {
    const tokens = Int32Array.from({ length: 10 }, (_, i) => i); // 0..9
    const fed: number[][] = [];
    const prepare = async (c: number) => {
      const engine = idEngine(c, []);
      const run = engine.run.bind(engine);
      engine.run = async (input) => {
        fed.push(Array.from(input.ids, Number));
        return run(input);
      };
      return { engine, cos: new Float32Array(0), sin: new Float32Array(0) };
    };
    const [r] = await evaluatePerplexity({ tokens, contexts: [4], prepare, scoring: { mode: 'llama-perplexity', bosId: 9 } });
    // Chunks (0..3) (4..7) fed as (9,1,2,3) (9,5,6,7); ⌊4/2⌋ = 2: only the predictions of tokens 3 and 7 count.
    expect(fed).toEqual([
      [9, 1, 2, 3],
      [9, 5, 6, 7],
    ]);
    expect(r).toMatchObject({ windows: 2, tokens: 8, predictions: 2, firstScoredPrediction: 2 });
    expect(r.nll).toBeCloseTo((0.3 + 0.7) / 2, 6);
    // The per-position curve still covers every prediction (the BOS replaced only inputs, never targets).
    expect(Array.from(r.perPositionNll)).toEqual([0.3, 0.4, 0.5].map((x) => expect.closeTo(x, 6)));
    // No BOS in the vocabulary: chunks are fed as cut.
    fed.length = 0;
    const [plain] = await evaluatePerplexity({ tokens, contexts: [5], prepare, scoring: { mode: 'llama-perplexity', bosId: null } });
    expect(fed).toEqual([
      [0, 1, 2, 3, 4],
      [5, 6, 7, 8, 9],
    ]);
    expect(plain.nll).toBeCloseTo((0.3 + 0.4 + 0.8 + 0.9) / 4, 6);
    await expect(evaluatePerplexity({ tokens, contexts: [2], prepare, scoring: { mode: 'llama-perplexity', bosId: null } })).rejects.toThrow(
      /no prediction to score/,
    );
  });

  it('caps windows, and refuses texts shorter than one window', async () => {
    expect(windowCount(10, 3, 2)).toBe(2);
    expect(windowCount(10, 3)).toBe(3);
    // Prefixes of 4-token windows every 8 tokens: starts 0 and 8 (the last needs tokens 8…11 of 12).
    expect(windowCount(12, 4, undefined, 8)).toBe(2);
    expect(windowCount(11, 4, undefined, 8)).toBe(1);
    expect(windowCount(3, 4, undefined, 8)).toBe(0);
    const prepare = async (c: number) => ({ engine: idEngine(c, []), cos: new Float32Array(0), sin: new Float32Array(0) });
    const r = await evaluatePerplexity({ tokens: new Int32Array(10), contexts: [3], maxWindows: 1, prepare });
    expect(r[0].windows).toBe(1);
    await expect(evaluatePerplexity({ tokens: new Int32Array(10), contexts: [11], prepare })).rejects.toThrow(/10 tokens.*11/);
    await expect(evaluatePerplexity({ tokens: new Int32Array(10), contexts: [1], prepare })).rejects.toThrow(/≥ 2/);
  });
});
