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
  });

  it('names per-channel KV as unsupported, per-token as fine', () => {
    expect(unsupportedQuantBuild({ ...kv, grouping: 'channel' })).toMatch(/per-channel/);
    expect(unsupportedQuantBuild(kv)).toBeNull();
    expect(unsupportedQuantBuild(null)).toBeNull();
  });
});
