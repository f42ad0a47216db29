// Hadamard-rotated and per-channel KV cache through the real graph on onnxruntime-node, against
// lib/quant (fast Walsh–Hadamard transform + kvFakeQuant on the unquantized taps: an independent
// path from the graph's MatMul by the Hadamard matrix) and lib/eval kvCalibration.
import { beforeAll, describe, expect, it } from 'vitest';
import { buildLlamaGraph } from '../../lib/onnx/llamaGraph';
import { calibrateKvChannelScales } from '../../lib/eval/kvCalibration';
import { hadamardRotateRows } from '../../lib/quant/hadamard';
import { kvFakeQuant } from '../../lib/quant/kvcache';
import { parseKvSpec } from '../../lib/quant/kvSpec';
import type { ModelSpec } from '../../lib/model/spec';
import type { DecoderWeights } from '../../lib/onnx/weights';
import { createNodeEngine } from './nodeRunner';
import { fixtureIndex, readTokens } from './testing/builtin';
import { builtinGraphRunner, type BuiltinRunner } from './testing/builtinRun';
import { tolerance } from '../../lib/testing/tolerances';

const tokens = readTokens(fixtureIndex().texts[1].file);
let spec: ModelSpec;
let weights: DecoderWeights;
let run: BuiltinRunner['run'];

beforeAll(async () => {
  ({ spec, weights, run } = await builtinGraphRunner(tokens));
});

// Float noise of the rotation round trip; also what counts as "agrees" per element below.
const ROTATION_TOL = tolerance('rotation-only', 'float32', 'cpu');
const maxAbsDiff = (a: Float32Array, b: Float32Array) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);
const meanAbsDiff = (a: Float32Array, b: Float32Array) => a.reduce((s, v, i) => s + Math.abs(v - b[i]), 0) / a.length;

/** H·Q(H·x) per head: the rotated cache as lib/quant computes it. */
function rotatedReference(x: Float32Array, T: number, opts: Parameters<typeof kvFakeQuant>[2]) {
  const dims = { tokens: T, heads: spec.numKvHeads, headDim: spec.headDim };
  const q = kvFakeQuant(hadamardRotateRows(x, spec.headDim), dims, opts);
  return { values: hadamardRotateRows(q.values, spec.headDim), clippedCount: q.clippedCount };
}

/** Share of elements where the graph and the reference disagree by more than float noise (a code flipped by a rounding tie). */
function mismatchShare(a: Float32Array, b: Float32Array, tol: number) {
  let n = 0;
  for (let i = 0; i < a.length; i++) if (Math.abs(a[i] - b[i]) > tol) n++;
  return n / a.length;
}

describe('Hadamard-rotated KV cache in the graph', () => {
  it('rotation alone (no rounding) leaves NLL and the cached k/v unchanged to float tolerance', async () => {
    const T = 256;
    const fp = await run(T, { tapLayers: [0, 5], tapValues: true });
    const rot = await run(T, { tapLayers: [0, 5], tapValues: true, kvQuant: { ...parseKvSpec('int4:token:post:hadamard'), rotationOnly: true } });
    expect(maxAbsDiff(rot.nll, fp.nll)).toBeLessThan(ROTATION_TOL);
    expect(maxAbsDiff(rot.taps!.k_kv_5, fp.taps!.k_post_5)).toBeLessThan(ROTATION_TOL);
    expect(maxAbsDiff(rot.taps!.v_kv_5, fp.taps!.v_5)).toBeLessThan(ROTATION_TOL);
  });

  it('int4:token:post:hadamard — cached k/v equal H·Q(H·x) of the taps; the KV error changes', async () => {
    const T = 256;
    const out = await run(T, { tapLayers: [0], tapValues: true, kvQuant: parseKvSpec('int4:token:post:hadamard') });
    const t = out.taps!;
    const step = (2 * 8) / 7; // generous bound on one int4 code step of any head here (|x| < 8)
    const refK = rotatedReference(t.k_post_0, T, { bits: 4, granularity: 'token' });
    const refV = rotatedReference(t.v_0, T, { bits: 4, granularity: 'token' });
    expect(mismatchShare(t.k_kv_0, refK.values, ROTATION_TOL)).toBeLessThan(1e-3);
    expect(mismatchShare(t.v_kv_0, refV.values, ROTATION_TOL)).toBeLessThan(1e-3);
    expect(maxAbsDiff(t.k_kv_0, refK.values)).toBeLessThan(step);
    const fp = (await run(T, {})).nll;
    const plain = (await run(T, { kvQuant: parseKvSpec('int4:token:post') })).nll;
    const errPlain = meanAbsDiff(plain, fp);
    const errRot = meanAbsDiff(out.nll, fp);
    expect(errRot).toBeGreaterThan(0);
    expect(Math.abs(errRot - errPlain)).toBeGreaterThan(1e-4);
    console.log(`int4 per-token KV, mean |ΔNLL| vs FP over ${T - 1} positions: plain ${errPlain.toFixed(5)}, hadamard ${errRot.toFixed(5)} nats`);
  });

  it('per-channel with Hadamard: lib/eval calibration at 64 tokens, applied at 256, matches the reference and counts clipping', async () => {
    const kv = parseKvSpec('int4:channel:post:hadamard');
    const scales = await calibrateKvChannelScales({
      kv,
      tokens,
      calibrationTokens: 64,
      trainedWindowTokens: spec.rope.maxPositionEmbeddings,
      rope: spec.rope,
      dims: spec,
      openEngine: (g) => createNodeEngine(buildLlamaGraph(spec, weights, g)),
    });
    const T = 256;
    const layers = Array.from({ length: spec.numLayers }, (_, l) => l);
    const out = await run(T, { tapLayers: layers, tapValues: true, kvQuant: { ...kv, channelScales: scales }, kvClipCount: true });
    const t = out.taps!;
    let refClipped = 0;
    for (const l of layers) {
      const refK = rotatedReference(t[`k_post_${l}`], T, { bits: 4, granularity: 'channel', channelScales: scales.k![l] });
      const refV = rotatedReference(t[`v_${l}`], T, { bits: 4, granularity: 'channel', channelScales: scales.v![l] });
      refClipped += refK.clippedCount + refV.clippedCount;
      expect(mismatchShare(t[`k_kv_${l}`], refK.values, ROTATION_TOL)).toBeLessThan(2e-3);
      expect(mismatchShare(t[`v_kv_${l}`], refV.values, ROTATION_TOL)).toBeLessThan(2e-3);
    }
    expect(refClipped).toBeGreaterThan(0);
    expect(t.kv_clipped).toHaveLength(T);
    expect(Math.abs(sum(t.kv_clipped) - refClipped)).toBeLessThanOrEqual(Math.max(2, refClipped * 0.01));
  });

  it('per-channel without rotation: the graph clip count equals kvFakeQuant clippedCount exactly', async () => {
    const kv = parseKvSpec('int8:channel:pre:k');
    const scales = await calibrateKvChannelScales({
      kv,
      tokens,
      calibrationTokens: 32,
      trainedWindowTokens: 256,
      rope: spec.rope,
      dims: spec,
      openEngine: (g) => createNodeEngine(buildLlamaGraph(spec, weights, g)),
    });
    expect(scales.v).toBeUndefined();
    const T = 256;
    const layers = Array.from({ length: spec.numLayers }, (_, l) => l);
    const out = await run(T, { tapLayers: layers, kvQuant: { ...kv, channelScales: scales }, kvClipCount: true });
    let refClipped = 0;
    for (const l of layers) {
      const ref = kvFakeQuant(
        out.taps![`k_pre_${l}`],
        { tokens: T, heads: spec.numKvHeads, headDim: spec.headDim },
        { bits: 8, granularity: 'channel', channelScales: scales.k![l] },
      );
      refClipped += ref.clippedCount;
    }
    expect(refClipped).toBeGreaterThan(0);
    const perPosition = out.taps!.kv_clipped;
    expect(perPosition).toHaveLength(T);
    expect(sum(perPosition)).toBe(refClipped);
    // Per token position: the first P entries count exactly the saturated elements of the first P cached tokens.
    for (const P of [1, 37, 128]) {
      let refPrefix = 0;
      for (const l of layers) {
        const keys = out.taps![`k_pre_${l}`].subarray(0, P * spec.numKvHeads * spec.headDim);
        refPrefix += kvFakeQuant(
          keys,
          { tokens: P, heads: spec.numKvHeads, headDim: spec.headDim },
          { bits: 8, granularity: 'channel', channelScales: scales.k![l] },
        ).clippedCount;
      }
      expect(sum(perPosition.subarray(0, P)), `first ${P} positions`).toBe(refPrefix);
    }
  });

  it('a head dim that is not a power of two is refused with a user-facing message', () => {
    const odd = { ...spec, headDim: 48, rope: { ...spec.rope, headDim: 48, rotaryDim: 48 } };
    expect(() => buildLlamaGraph(odd, weights, { seqLen: 8, kvQuant: parseKvSpec('int8:token:post:hadamard') })).toThrow(
      expect.objectContaining({ userFacing: true, message: expect.stringMatching(/head dim is 48/) }),
    );
  });
});

function sum(a: Float32Array): number {
  let s = 0;
  for (const v of a) s += v;
  return s;
}
