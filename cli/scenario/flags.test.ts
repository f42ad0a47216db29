import { describe, expect, it } from 'vitest';
import { parseKvChoice } from './flags';

describe('parseKvChoice', () => {
  it('takes :hadamard everywhere and per-channel only where the command calibrates', () => {
    expect(parseKvChoice('search', 'none')).toBeUndefined();
    expect(parseKvChoice('search', 'int4:token:post:hadamard')).toEqual({ bits: 4, granularity: 'token', keyRope: 'post', target: 'kv', hadamard: true });
    expect(parseKvChoice('diagnose', 'int8:channel:pre:k', { allowChannel: true })).toMatchObject({ granularity: 'channel', target: 'k' });
    expect(() => parseKvChoice('search', 'int8:channel:post')).toThrow(/search: --kv 'int8:channel:post': per-channel .* search takes per-token/);
    expect(() => parseKvChoice('search', 'int8:token:post:rot')).toThrow(
      expect.objectContaining({ userFacing: true, message: expect.stringMatching(/^search: --kv: bad KV quant spec/) }),
    );
  });
});
