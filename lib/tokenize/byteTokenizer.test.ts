import { describe, expect, it } from 'vitest';
import { createByteTokenizer, parseBandscopeTokenizer } from './byteTokenizer';

describe('byte tokenizer', () => {
  it('maps text to its UTF-8 bytes and back', () => {
    const t = createByteTokenizer();
    expect(t.encode('Hé!')).toEqual([0x48, 0xc3, 0xa9, 0x21]);
    expect(t.decode([0x48, 0xc3, 0xa9, 0x21])).toBe('Hé!');
    expect(t.decode([0xc3])).toBe('\ufffd');
    expect(() => t.decode([256])).toThrow(/id 256 at position 0/);
  });
  it('recognises the bandscope tokenizer description', () => {
    expect(parseBandscopeTokenizer({ type: 'bytes', vocab_size: 256, bos: null, eos: null })).toEqual({ kind: 'bytes', vocabSize: 256, bos: null, eos: null });
    expect(parseBandscopeTokenizer({ type: 'bpe' })).toBeUndefined();
  });
});
