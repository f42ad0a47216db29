import { describe, expect, it } from 'vitest';
import type { DecoderWeights } from '../../lib/onnx/weights';
import { createWeightsMemo, decoderWeightsBytes } from './weightsMemo';

/** A one-layer set of `n` floats per tensor (tied head: the embedding's own array). */
function weightsOf(n: number): DecoderWeights {
  const f = () => new Float32Array(n);
  const lin = () => ({ kind: 'f32' as const, inFeatures: n, outFeatures: 1, weight: f() });
  const embed = f();
  return {
    embedTokens: embed,
    lmHead: embed,
    finalNorm: f(),
    layers: [{ inputNorm: f(), postAttentionNorm: f(), q: lin(), k: lin(), v: lin(), o: lin(), gate: lin(), up: lin(), down: lin() }],
  };
}

describe('weights memo', () => {
  it('counts every distinct array once (tied head shared)', () => {
    // embed + final norm + 2 norms + 7 linears = 11 arrays of 4 floats.
    expect(decoderWeightsBytes(weightsOf(4))).toBe(11 * 4 * 4);
  });
  it('assembles once per key, evicts least recently used by bytes, never holds a set over the budget', async () => {
    const one = decoderWeightsBytes(weightsOf(8));
    const memo = createWeightsMemo(2 * one);
    let made = 0;
    const make = (n: number) => async () => {
      made++;
      return weightsOf(n);
    };
    const a = await memo.weights('a', make(8));
    expect(await memo.weights('a', make(8))).toBe(a);
    await memo.weights('b', make(8));
    await memo.weights('a', make(8)); // a is now the most recent
    await memo.weights('c', make(8)); // evicts b
    expect(memo.keys()).toEqual(['a', 'c']);
    expect(memo.totalBytes).toBe(2 * one);
    await memo.weights('huge', make(64));
    expect(memo.keys()).toEqual(['a', 'c']);
    expect(made).toBe(4);
  });
  it('shares one assembly between concurrent callers, and forgets a failed one', async () => {
    const memo = createWeightsMemo();
    let made = 0;
    const slow = async () => {
      made++;
      await new Promise((r) => setTimeout(r, 5));
      return weightsOf(2);
    };
    const [x, y] = await Promise.all([memo.weights('k', slow), memo.weights('k', slow)]);
    expect(x).toBe(y);
    expect(made).toBe(1);
    await expect(
      memo.weights('bad', async () => {
        throw new Error('corrupt tensor');
      }),
    ).rejects.toThrow('corrupt tensor');
    expect(memo.keys()).toEqual(['k']);
  });
});
