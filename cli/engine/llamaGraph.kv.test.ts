// In-graph KV-cache fake quant vs lib/quant/kvcache.ts (the TS reference) on the built-in model.
import { beforeAll, describe, expect, it } from 'vitest';
import { calibrateKvPerChannel, kvFakeQuant } from '../../lib/quant/kvcache';
import { parseKvSpec } from '../../lib/quant/kvSpec';
import type { ModelSpec } from '../../lib/model/spec';
import { fixtureIndex, readTokens } from './testing/builtin';
import { builtinGraphRunner, type BuiltinRunner } from './testing/builtinRun';
import { tolerance } from '../../lib/testing/tolerances';

const tokens = readTokens(fixtureIndex().texts[1].file);
let spec: ModelSpec;
let run: BuiltinRunner['run'];

beforeAll(async () => {
  ({ spec, run } = await builtinGraphRunner(tokens));
});

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

const meanAbsDiff = (a: Float32Array, b: Float32Array) => a.reduce((s, v, i) => s + Math.abs(v - b[i]), 0) / a.length;

describe('KV-cache fake quant in the graph', () => {
  it('int8:token:post — layer-0 cached k/v equal kvFakeQuant of the unquantized taps', async () => {
    const T = 128;
    const dims = { tokens: T, heads: spec.numKvHeads, headDim: spec.headDim };
    const out = await run(T, { tapLayers: [0], tapValues: true, kvQuant: parseKvSpec('int8:token:post') });
    const t = out.taps!;
    expect(maxAbsDiff(t.k_kv_0, kvFakeQuant(t.k_post_0, dims, { bits: 8, granularity: 'token' }).values)).toBeLessThan(
      tolerance('kv-cache-vs-lib', 'int8', 'cpu'),
    );
    expect(maxAbsDiff(t.v_kv_0, kvFakeQuant(t.v_0, dims, { bits: 8, granularity: 'token' }).values)).toBeLessThan(tolerance('kv-cache-vs-lib', 'int8', 'cpu'));
    expect(maxAbsDiff(t.k_kv_0, t.k_post_0)).toBeGreaterThan(0);
  });

  it('int4:channel:post:k — scales calibrated at 64 tokens, applied at 256, match the reference with clipping', async () => {
    const calib = await run(64, { tapLayers: [0, 1, 2, 3, 4, 5], tapValues: true });
    const kScales = Array.from({ length: spec.numLayers }, (_, l) =>
      calibrateKvPerChannel(calib.taps![`k_post_${l}`], { tokens: 64, heads: spec.numKvHeads, headDim: spec.headDim }, 4),
    );
    const T = 256;
    const out = await run(T, { tapLayers: [0], tapValues: true, kvQuant: { ...parseKvSpec('int4:channel:post:k'), channelScales: { k: kScales } } });
    const ref = kvFakeQuant(
      out.taps!.k_post_0,
      { tokens: T, heads: spec.numKvHeads, headDim: spec.headDim },
      { bits: 4, granularity: 'channel', channelScales: kScales[0] },
    );
    expect(ref.clippedCount).toBeGreaterThan(0); // the long context leaves the calibrated range
    expect(maxAbsDiff(out.taps!.k_kv_0, ref.values)).toBeLessThan(tolerance('kv-cache-vs-lib', 'int4', 'cpu'));
    expect(maxAbsDiff(out.taps!.v_kv_0, out.taps!.v_0)).toBe(0); // target k: values untouched
  });

  it('NLL: int8 per-token stays close to full precision, int4 moves further; pre-RoPE keys differ from post', async () => {
    const T = 256;
    const fp = (await run(T, {})).nll;
    const i8 = (await run(T, { kvQuant: parseKvSpec('int8:token:post') })).nll;
    const i4 = (await run(T, { kvQuant: parseKvSpec('int4:token:post') })).nll;
    const i4pre = (await run(T, { kvQuant: parseKvSpec('int4:token:pre') })).nll;
    expect(meanAbsDiff(i8, fp)).toBeLessThan(0.01);
    expect(meanAbsDiff(i4, fp)).toBeGreaterThan(meanAbsDiff(i8, fp));
    expect(maxAbsDiff(i4pre, i4)).toBeGreaterThan(0);
  });
});
