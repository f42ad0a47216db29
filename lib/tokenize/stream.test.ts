import { describe, expect, it } from 'vitest';
import { createByteTokenizer } from './byteTokenizer';
import { encodeTokenStream } from './stream';
import type { TextTokenizer } from './types';

const withRule = (special: TextTokenizer['special']): TextTokenizer => ({ ...createByteTokenizer(), special, description: 'test bytes' });

describe('encodeTokenStream', () => {
  it('adds nothing for the built-in byte model', () => {
    const t = createByteTokenizer();
    expect(t.special).toEqual({ bosId: null, eosId: null, addBos: false, addEos: false });
    expect(t.description).toBe('UTF-8 bytes, 256 tokens; adds no special tokens');
    expect(Array.from(encodeTokenStream(t, 'Hi'))).toEqual([72, 105]);
  });
  it('puts one BOS first and one EOS last when the rule says so, the raw ids between', () => {
    expect(Array.from(encodeTokenStream(withRule({ bosId: 1, eosId: 2, addBos: true, addEos: false }), 'Hi'))).toEqual([1, 72, 105]);
    expect(Array.from(encodeTokenStream(withRule({ bosId: 1, eosId: 2, addBos: true, addEos: true }), 'Hi'))).toEqual([1, 72, 105, 2]);
    expect(Array.from(encodeTokenStream(withRule({ bosId: 1, eosId: 2, addBos: false, addEos: true }), ''))).toEqual([2]);
    expect(encodeTokenStream(withRule({ bosId: 1, eosId: 2, addBos: true, addEos: true }), '')).toBeInstanceOf(Int32Array);
  });
  it('refuses a rule that adds a token it has no id for', () => {
    expect(() => encodeTokenStream(withRule({ bosId: null, eosId: null, addBos: true, addEos: false }), 'x')).toThrow(
      /test bytes: the rule adds BOS but names no id/,
    );
  });
});
