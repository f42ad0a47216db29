import { describe, expect, it } from 'vitest';
import { parseKvSpec } from '../quant/kvSpec';
import { parseRtnSpec } from '../quant/rtnSpec';
import { describeKvBuild, describeRtnBuild, kvBuildOf, kvBuildOfSpec, rtnBuildOf, rtnBuildOfOptions, rtnOptionsOf } from './builds';

const kv = { bits: 8 as const, keys: true, values: true, grouping: 'token' as const, keyStage: 'post' as const, hadamard: false };

describe('typed builds', () => {
  it('a settings choice and the same choice spelt at the CLI edge give one build', () => {
    const fromSettings = rtnBuildOf({ bits: 4, group: 32, symmetric: false, layers: 'qk' });
    expect(fromSettings).toEqual({ kind: 'rtn', bits: 4, groupSizeColumns: 32, symmetric: false, layers: 'qk' });
    expect(rtnBuildOfOptions(parseRtnSpec('rtn:w4g32a'), 'qk')).toEqual(fromSettings);
    expect(rtnOptionsOf(fromSettings!)).toEqual(parseRtnSpec('rtn:w4g32a'));
    expect(rtnBuildOf({ bits: 8, group: 'channel', symmetric: true, layers: 'all' })).toEqual(rtnBuildOfOptions(parseRtnSpec('rtn:w8gchs')));
    expect(rtnBuildOf(null)).toBeNull();
  });

  it('KV: which caches, the key stage and the rotation, as lib/quant/kvSpec reads them', () => {
    expect(kvBuildOf(kv)).toEqual(kvBuildOfSpec(parseKvSpec('int8:token:post')));
    expect(kvBuildOf({ ...kv, bits: 4, values: false, keyStage: 'pre' })).toEqual(kvBuildOfSpec(parseKvSpec('int4:token:pre:k')));
    expect(kvBuildOf({ ...kv, keys: false })).toEqual(kvBuildOfSpec(parseKvSpec('int8:token:post:v')));
    expect(kvBuildOf({ ...kv, grouping: 'channel', hadamard: true })).toEqual(kvBuildOfSpec(parseKvSpec('int8:channel:post:hadamard')));
    expect(kvBuildOf({ ...kv, keys: false, values: false })).toBeNull();
    expect(kvBuildOf(null)).toBeNull();
    // The rotation is always stated, so a key never sees "absent" and "false" as two builds.
    expect(kvBuildOfSpec(parseKvSpec('int8:token:post')).hadamard).toBe(false);
  });

  it('messages name a build in the CLI’s spelling', () => {
    expect(describeRtnBuild(rtnBuildOfOptions(parseRtnSpec('rtn:w4g32a')))).toBe('rtn:w4g32a');
    expect(describeRtnBuild(rtnBuildOfOptions(parseRtnSpec('rtn:w2gchs'), 'qk'))).toBe('rtn:w2gchs on qk');
    expect(describeKvBuild(kvBuildOfSpec(parseKvSpec('int4:channel:pre:k:hadamard')))).toBe('int4:channel:pre:k:hadamard');
  });
});
