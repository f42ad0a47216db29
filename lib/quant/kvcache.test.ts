import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { calibrateKvPerChannel, kvFakeQuant, type KvDims } from './kvcache';
import { formatKvSpec, parseKvSpec } from './kvSpec';

describe('kvFakeQuant per-token (hand-computed)', () => {
  it('int4: s = max|x|/7 per (token, head), halves to even', () => {
    // token 0: head 0 = [7, −3.5, 1, 0] (s = 1), head 1 = [0.5, 1, −1.5, 0.25] → s = 1.5/7.
    const x = new Float32Array([7, -3.5, 1, 0, 0.5, 1, -1.5, 0.25]);
    const { values, clippedCount } = kvFakeQuant(x, { tokens: 1, heads: 2, headDim: 4 }, { bits: 4, granularity: 'token' });
    expect(Array.from(values.subarray(0, 4))).toEqual([7, -4, 1, 0]);
    const s = Math.fround(1.5 / 7);
    // 0.5/s = 2.333 → 2; 1/s = 4.667 → 5; −7; 0.25/s = 1.1667 → 1.
    expect(Array.from(values.subarray(4))).toEqual([2, 5, -7, 1].map((q) => Math.fround(q * s)));
    expect(clippedCount).toBe(0);
  });

  it('leaves an all-zero group at zero (no NaN)', () => {
    const { values } = kvFakeQuant(new Float32Array(8), { tokens: 2, heads: 1, headDim: 4 }, { bits: 8, granularity: 'token' });
    expect(Array.from(values)).toEqual(new Array(8).fill(0));
  });
});

describe('kvFakeQuant per-channel', () => {
  const dims: KvDims = { tokens: 2, heads: 2, headDim: 2 };
  // calib [t, h, d]: channel (h0,d0) max 7, (h0,d1) max 14, (h1,d0) max 0.7, (h1,d1) all zero.
  const calib = new Float32Array([7, -14, 0.7, 0, -3, 2, 0.1, 0]);

  it('calibrates one scale per (head, channel) over tokens', () => {
    const s = calibrateKvPerChannel(calib, dims, 4);
    expect(Array.from(s)).toEqual([1, 2, Math.fround(0.7 / 7), 0]);
  });

  it('saturates values beyond the calibrated range at long context and counts them', () => {
    const s = calibrateKvPerChannel(calib, dims, 4);
    // 3 tokens: token 2 exceeds channel (h0,d0) (+9 → 7) and (h0,d1) (−20 → −14), and hits the
    // zero-scale channel with 0.5 → 0; token 0 has −7.6 → code −8 clipped to −7.
    const x = new Float32Array([-7.6, 3, 0.35, 0, 1.2, -2.9, -0.06, 0, 9, -20, 0.7, 0.5]);
    const { values, clippedCount } = kvFakeQuant(x, { tokens: 3, heads: 2, headDim: 2 }, { bits: 4, granularity: 'channel', channelScales: s });
    const s2 = Math.fround(0.1);
    const expected = [-7, 4, Math.fround(4 * s2), 0, 1, -2, Math.fround(-1 * s2), 0, 7, -14, Math.fround(7 * s2), 0];
    expect(Array.from(values)).toEqual(expected);
    expect(clippedCount).toBe(4);
  });

  it('calibrating on the tensor itself never clips and errs at most half a step', () => {
    const big: KvDims = { tokens: 16, heads: 3, headDim: 8 };
    const x = Float32Array.from({ length: 16 * 24 }, (_, i) => Math.sin(i * 1.7) * (1 + (i % 5)));
    const s = calibrateKvPerChannel(x, big, 8);
    const r = kvFakeQuant(x, big, { bits: 8, granularity: 'channel', channelScales: s });
    expect(r.clippedCount).toBe(0);
    for (let i = 0; i < x.length; i++) expect(Math.abs(r.values[i] - x[i])).toBeLessThanOrEqual(s[i % 24] / 2 + 1e-7);
  });

  it('rejects mismatched dims and scales with the actual sizes', () => {
    const s = calibrateKvPerChannel(calib, dims, 8);
    expect(() => kvFakeQuant(new Float32Array(7), dims, { bits: 8, granularity: 'token' })).toThrow(/7 elements.*= 8/);
    expect(() => kvFakeQuant(new Float32Array(12), { tokens: 2, heads: 2, headDim: 3 }, { bits: 8, granularity: 'channel', channelScales: s })).toThrow(
      /channelScales has 4 elements.*= 6/,
    );
    expect(() => calibrateKvPerChannel(calib, dims, 6 as 8)).toThrow(/got 6/);
    expect(() => calibrateKvPerChannel(calib, { tokens: 0, heads: 2, headDim: 2 }, 8)).toThrow(/tokens .*got 0/);
  });
});

describe('kvFakeQuant properties', () => {
  const vecArb = fc.array(fc.float({ min: -4, max: 4, noNaN: true }), { minLength: 32, maxLength: 32 });

  it('is odd (Q(−x) = −Q(x)) and within half a step per token', () => {
    fc.assert(
      fc.property(vecArb, fc.constantFrom(4 as const, 8 as const), (arr, bits) => {
        const x = Float32Array.from(arr);
        const dims = { tokens: 2, heads: 2, headDim: 8 };
        const y = kvFakeQuant(x, dims, { bits, granularity: 'token' }).values;
        const yNeg = kvFakeQuant(
          x.map((v) => -v),
          dims,
          { bits, granularity: 'token' },
        ).values;
        const qmax = 2 ** (bits - 1) - 1;
        for (let g = 0; g < 4; g++) {
          const absMax = Math.max(...Array.from(x.subarray(g * 8, g * 8 + 8), Math.abs));
          const s = Math.fround(absMax / qmax);
          for (let i = g * 8; i < g * 8 + 8; i++) {
            expect(yNeg[i] === -y[i]).toBe(true);
            expect(Math.abs(x[i] - y[i])).toBeLessThanOrEqual(s / 2 + s * 1e-6);
          }
        }
      }),
      { numRuns: 200, seed: 5 },
    );
  });
});

describe('KV spec grammar', () => {
  it('parses and canonicalises', () => {
    expect(parseKvSpec('int8:token:post')).toEqual({ bits: 8, granularity: 'token', keyRope: 'post', target: 'kv' });
    expect(parseKvSpec('int4:channel:pre')).toEqual({ bits: 4, granularity: 'channel', keyRope: 'pre', target: 'kv' });
    expect(parseKvSpec('int4:channel:pre:k').target).toBe('k');
    expect(parseKvSpec('int8:token:pre:v').target).toBe('v');
    for (const s of ['int8:token:post', 'int4:channel:pre:k', 'int8:channel:post:v']) expect(formatKvSpec(parseKvSpec(s))).toBe(s);
    expect(formatKvSpec(parseKvSpec('int8:token:post:kv'))).toBe('int8:token:post');
  });

  it('reads and writes the :hadamard suffix, with or without a target', () => {
    expect(parseKvSpec('int4:token:post:hadamard')).toEqual({ bits: 4, granularity: 'token', keyRope: 'post', target: 'kv', hadamard: true });
    expect(parseKvSpec('int8:channel:pre:k:hadamard')).toEqual({ bits: 8, granularity: 'channel', keyRope: 'pre', target: 'k', hadamard: true });
    expect(parseKvSpec('int8:token:post').hadamard).toBeUndefined();
    for (const s of ['int4:token:post:hadamard', 'int8:channel:pre:k:hadamard']) expect(formatKvSpec(parseKvSpec(s))).toBe(s);
    expect(formatKvSpec(parseKvSpec('int8:token:post:kv:hadamard'))).toBe('int8:token:post:hadamard');
    expect(formatKvSpec({ bits: 8, granularity: 'token', keyRope: 'post', target: 'kv', hadamard: false })).toBe('int8:token:post');
  });

  it('names the bad field', () => {
    expect(() => parseKvSpec('int2:token:post')).toThrow(/bits "int2"/);
    expect(() => parseKvSpec('int8:head:post')).toThrow(/granularity "head"/);
    expect(() => parseKvSpec('int8:token:mid')).toThrow(/key stage "mid"/);
    expect(() => parseKvSpec('int8:token:post:q')).toThrow(/target "q"/);
    expect(() => parseKvSpec('int8:token')).toThrow(/expected <int8\|int4>/);
    expect(() => parseKvSpec('int8:token:post:kv:x')).toThrow(/expected/);
    expect(() => parseKvSpec('INT8:token:post')).toThrow(/bits/);
    expect(() => parseKvSpec('int8:token:hadamard')).toThrow(/key stage "hadamard"/);
    expect(() => parseKvSpec('int8:token:post:hadamard:k')).toThrow(/expected/);
    expect(() => parseKvSpec('int8:token:post:k:hadamard:x')).toThrow(/expected/);
  });
});
