import { describe, expect, it } from 'vitest';
import type { NllEngine, NllEngineInput } from './engine';
import { calibrateKvChannelScales, checkKvCalibrationTokens, type KvCalibrationGraph } from './kvCalibration';
import type { RopeConfig } from '../rope/types';

// A stand-in engine whose taps are known numbers: the scales below are worked out by hand.
// 1 layer, 1 KV head, headDim 2, S = 3 tokens, layout [token, head, channel].
const K_PRE = Float32Array.from([1, -2, -3, 0.5, 2, 1]); // |max| per channel: 3, 2
const K_POST = Float32Array.from([0.5, 4, -1, -1, 1, 2]); // 1, 4
const V = Float32Array.from([-7, 0, 3.5, 0, 1, 0]); // 7, 0

const rope: RopeConfig = { type: 'default', thetaBase: 10000, headDim: 2, rotaryDim: 2, maxPositionEmbeddings: 8 };

function fakeEngine(seen: { graph?: KvCalibrationGraph; input?: NllEngineInput; disposed?: boolean }) {
  return async (graph: KvCalibrationGraph): Promise<NllEngine> => {
    seen.graph = graph;
    return {
      device: 'test',
      seqLen: graph.seqLen,
      async run(input) {
        seen.input = input;
        return { nll: new Float32Array(graph.seqLen - 1), taps: { k_pre_0: K_PRE, k_post_0: K_POST, v_0: V } };
      },
      async dispose() {
        seen.disposed = true;
      },
    };
  };
}

const base = {
  tokens: Int32Array.from([10, 11, 12, 13, 14]),
  calibrationTokens: 3,
  trainedWindowTokens: 4,
  rope,
  dims: { numLayers: 1, numKvHeads: 1, headDim: 2 },
};

describe('calibrateKvChannelScales', () => {
  it('int8 post-RoPE keys and values: s = max|x| / 127 per channel, from the first S tokens', async () => {
    const seen: Parameters<typeof fakeEngine>[0] = {};
    const scales = await calibrateKvChannelScales({
      ...base,
      kv: { bits: 8, granularity: 'channel', keyRope: 'post', target: 'kv' },
      openEngine: fakeEngine(seen),
    });
    expect(Array.from(scales.k![0])).toEqual([Math.fround(1 / 127), Math.fround(4 / 127)]);
    expect(Array.from(scales.v![0])).toEqual([Math.fround(7 / 127), 0]);
    expect(seen.graph).toEqual({ seqLen: 3, tapLayers: [0], tapValues: true, tapQueries: false });
    expect(Array.from(seen.input!.ids as Int32Array)).toEqual([10, 11, 12]);
    expect(seen.input!.cos.length).toBe(3 * 2);
    expect(seen.disposed).toBe(true);
  });

  it('int4 pre-RoPE keys only: s = max|k_pre| / 7, no value scales', async () => {
    const scales = await calibrateKvChannelScales({
      ...base,
      kv: { bits: 4, granularity: 'channel', keyRope: 'pre', target: 'k' },
      openEngine: fakeEngine({}),
    });
    expect(Array.from(scales.k![0])).toEqual([Math.fround(3 / 7), Math.fround(2 / 7)]);
    expect(scales.v).toBeUndefined();
  });

  it('Hadamard: channels of the rotated basis, (a+b)/√2 and (a−b)/√2, by hand', async () => {
    const scales = await calibrateKvChannelScales({
      ...base,
      kv: { bits: 8, granularity: 'channel', keyRope: 'post', target: 'k', hadamard: true },
      openEngine: fakeEngine({}),
    });
    // rotated k_post rows: (4.5, −3.5)/√2, (−2, 0)/√2, (3, −1)/√2 → max |·| = 4.5/√2, 3.5/√2
    expect(scales.k![0][0]).toBeCloseTo(4.5 / Math.SQRT2 / 127, 7);
    expect(scales.k![0][1]).toBeCloseTo(3.5 / Math.SQRT2 / 127, 7);
  });

  it('refuses S beyond the trained window or the text, with the numbers', async () => {
    expect(() => checkKvCalibrationTokens(5, 4, 100)).toThrow(/calibration context 5 exceeds the trained window 4/);
    expect(() => checkKvCalibrationTokens(4, 4, 3)).toThrow(/needs 4 tokens, the text has 3/);
    expect(() => checkKvCalibrationTokens(1, 4, 3)).toThrow(expect.objectContaining({ userFacing: true }));
    await expect(
      calibrateKvChannelScales({ ...base, kv: { bits: 8, granularity: 'token', keyRope: 'post', target: 'kv' }, openEngine: fakeEngine({}) }),
    ).rejects.toThrow(/only 'channel'/);
  });
});
