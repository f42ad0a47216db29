import { describe, expect, it } from 'vitest';
import { engineBuildIdentity, engineSessionKey, float32Digest, kvScalesDigest, stableKey } from './key';

const rtn = { kind: 'rtn' as const, bits: 4, groupSizeColumns: 32, symmetric: false, layers: 'all' as const };
const kv = { bits: 8 as const, granularity: 'token' as const, keyRope: 'post' as const, target: 'kv' as const, hadamard: false };

describe('stableKey', () => {
  it('spells records with sorted keys, drops undefined fields, and writes −0 as 0', () => {
    expect(stableKey({ b: 1, a: [true, null, 'x'], c: undefined })).toBe('{"a":[true,null,"x"],"b":1}');
    expect(stableKey({ a: 1, b: { y: 2, x: 1 } })).toBe(stableKey({ b: { x: 1, y: 2 }, a: 1 }));
    expect(stableKey(-0)).toBe('0');
    expect(stableKey(0.1 + 0.2)).toBe('0.30000000000000004');
  });

  it('refuses what a key cannot tell apart, naming where', () => {
    expect(() => stableKey({ a: [1, NaN] })).toThrow(/\$\.a\[1\] is NaN/);
    expect(() => stableKey({ scales: new Float32Array(2) })).toThrow(/\$\.scales is a typed array/);
    expect(() => stableKey({ f: () => 1 })).toThrow(/\$\.f is a function/);
  });
});

describe('float32Digest', () => {
  it('is FNV-1a over the bytes with a separator after each array', () => {
    // Hand-computed: FNV-1a 32 of the four bytes of 0f32 (all zero), then 0xff.
    let h = 0x811c9dc5;
    for (const b of [0, 0, 0, 0, 0xff]) h = Math.imul(h ^ b, 0x01000193) >>> 0;
    expect(float32Digest([new Float32Array([0])])).toBe(h.toString(16).padStart(8, '0'));
    expect(float32Digest([new Float32Array([1, 2])])).not.toBe(float32Digest([new Float32Array([1]), new Float32Array([2])]));
    expect(kvScalesDigest({ k: [new Float32Array([1])] })).not.toBe(kvScalesDigest({ v: [new Float32Array([1])] }));
  });
});

describe('engineSessionKey', () => {
  it('keys equal graphs equal: defaults filled in, irrelevant fields ignored', () => {
    const a = engineSessionKey('builtin:m', 'wasm', { seqLen: 256, quant: rtn });
    expect(engineSessionKey('builtin:m', 'wasm', { quant: rtn, seqLen: 256, quantFormat: 'fake', tapLayers: [], tapQueries: true, kv: null })).toBe(a);
    // float16 rounding only exists without RTN.
    expect(engineSessionKey('builtin:m', 'wasm', { seqLen: 256, quant: rtn, weightPrecision: 'f16' })).toBe(a);
    // A memory budget is not part of the graph (GraphBuildRequest carries it beside the build).
    expect(engineSessionKey('builtin:m', 'wasm', { seqLen: 256, quant: rtn, memoryBudgetBytes: 5 } as never)).toBe(a);
  });

  it('keys every graph-changing field, the model and the device apart', () => {
    const base = { seqLen: 256, quant: rtn };
    const keys = [
      engineSessionKey('builtin:m', 'wasm', base),
      engineSessionKey('builtin:m', 'webgpu', base),
      engineSessionKey('file:x', 'wasm', base),
      engineSessionKey('builtin:m', 'wasm', { ...base, seqLen: 512 }),
      engineSessionKey('builtin:m', 'wasm', { ...base, quant: { ...rtn, layers: 'qk' } }),
      engineSessionKey('builtin:m', 'wasm', { ...base, quant: { ...rtn, symmetric: true } }),
      engineSessionKey('builtin:m', 'wasm', { ...base, quantFormat: 'nbits' }),
      engineSessionKey('builtin:m', 'wasm', { ...base, kv }),
      engineSessionKey('builtin:m', 'wasm', { ...base, kv: { ...kv, hadamard: true } }),
      engineSessionKey('builtin:m', 'wasm', { ...base, kv: { ...kv, granularity: 'channel' }, kvChannelScales: { k: [new Float32Array([1])] } }),
      engineSessionKey('builtin:m', 'wasm', { ...base, kv: { ...kv, granularity: 'channel' }, kvChannelScales: { k: [new Float32Array([2])] } }),
      engineSessionKey('builtin:m', 'wasm', {
        ...base,
        qroar: { variant: 'shared', bands: [{ bandIndex: 0, firstPair: 0, lastPair: 31, label: 'all' }], scales: [0.9] },
      }),
      engineSessionKey('builtin:m', 'wasm', { ...base, tapLayers: [0, 1] }),
      engineSessionKey('builtin:m', 'wasm', { ...base, tapLayers: [0, 1], tapQueries: false }),
      engineSessionKey('builtin:m', 'wasm', { ...base, tapLayers: [0, 1], tapValues: true }),
      engineSessionKey('builtin:m', 'wasm', { ...base, logits: true }),
      engineSessionKey('builtin:m', 'wasm', { seqLen: 256 }),
      engineSessionKey('builtin:m', 'wasm', { seqLen: 256, weightPrecision: 'f16' }),
    ];
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('keys Q-ROAR bands by their pair ranges only', () => {
    const band = { bandIndex: 0, firstPair: 0, lastPair: 31, label: 'all' };
    const q = (label: string) => engineBuildIdentity({ seqLen: 8, qroar: { variant: 'shared', bands: [{ ...band, label }], scales: [1.1] } });
    expect(q('a')).toEqual(q('b'));
    expect(q('a').qroar).toEqual({ variant: 'shared', bands: [[0, 31]], scales: [1.1] });
  });
});
