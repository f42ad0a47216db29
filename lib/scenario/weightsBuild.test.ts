import { describe, expect, it } from 'vitest';
import { kvSpecOf, quantBuildOf, unsupportedQuantBuild } from './weightsBuild';

const kv = { bits: 8 as const, keys: true, values: true, grouping: 'token' as const, keyStage: 'post' as const };

describe('quantBuildOf / kvSpecOf', () => {
  it('spells weight RTN, layers and KV in the lib/quant grammars', () => {
    expect(quantBuildOf({ bits: 4, group: 32, symmetric: false, layers: 'qk' }, null)).toEqual({ quant: 'rtn:w4g32a', quantLayers: 'qk', kv: null });
    expect(quantBuildOf(null, kv)).toEqual({ quant: null, quantLayers: 'all', kv: 'int8:token:post' });
    expect(quantBuildOf(null, null)).toBeNull();
    expect(kvSpecOf({ ...kv, bits: 4, values: false, keyStage: 'pre' })).toBe('int4:token:pre:k');
    expect(kvSpecOf({ ...kv, keys: false })).toBe('int8:token:post:v');
    expect(kvSpecOf({ ...kv, keys: false, values: false })).toBeNull();
    expect(kvSpecOf({ ...kv, grouping: 'channel', hadamard: true })).toBe('int8:channel:post:hadamard');
    expect(kvSpecOf({ ...kv, bits: 4, keys: false, hadamard: true })).toBe('int4:token:post:v:hadamard');
  });

  it('builds per-channel KV (calibrated first); refuses Hadamard only for a non-power-of-two head dim', () => {
    expect(unsupportedQuantBuild({ ...kv, grouping: 'channel' })).toBeNull(); // calibrated first, then built
    expect(unsupportedQuantBuild({ ...kv, hadamard: true }, 64)).toBeNull();
    expect(unsupportedQuantBuild({ ...kv, hadamard: true }, 96)).toMatch(/power-of-two head dim.*96/);
    expect(unsupportedQuantBuild({ ...kv, hadamard: false }, 96)).toBeNull();
    expect(unsupportedQuantBuild(kv)).toBeNull();
    expect(unsupportedQuantBuild(null)).toBeNull();
  });
});
