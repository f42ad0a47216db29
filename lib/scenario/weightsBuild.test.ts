import { describe, expect, it } from 'vitest';
import { quantBuildOf, unsupportedQuantBuild } from './weightsBuild';

const kv = { bits: 8 as const, keys: true, values: true, grouping: 'token' as const, keyStage: 'post' as const };

describe('quantBuildOf', () => {
  it('typed RTN and KV builds of the settings; null when nothing is quantized', () => {
    expect(quantBuildOf({ bits: 4, group: 32, symmetric: false, layers: 'qk' }, null)).toEqual({
      quant: { kind: 'rtn', bits: 4, groupSizeColumns: 32, symmetric: false, layers: 'qk' },
      kv: null,
    });
    expect(quantBuildOf(null, kv)).toEqual({ quant: null, kv: { bits: 8, granularity: 'token', keyRope: 'post', target: 'kv', hadamard: false } });
    expect(quantBuildOf(null, { ...kv, keys: false, values: false })).toBeNull();
    expect(quantBuildOf(null, null)).toBeNull();
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
