import { describe, expect, it } from 'vitest';
import { createHfTokenizer, createTokenizer } from './hfTokenizer';

// A tiny BPE tokenizer.json built by hand: whitespace pre-tokenizer, merges a+b → ab, ab+c → abc.
const wordLevel = {
  version: '1.0',
  truncation: null,
  padding: null,
  added_tokens: [{ id: 0, content: '[UNK]', single_word: false, lstrip: false, rstrip: false, normalized: false, special: true }],
  normalizer: null,
  pre_tokenizer: { type: 'Whitespace' },
  post_processor: null,
  decoder: null,
  model: { type: 'BPE', vocab: { '[UNK]': 0, a: 1, b: 2, c: 3, ab: 4, abc: 5 }, merges: ['a b', 'ab c'], unk_token: '[UNK]', dropout: null, continuing_subword_prefix: null, end_of_word_suffix: null, fuse_unk: false, byte_fallback: false },
};

describe('Hugging Face tokenizer.json', () => {
  it('encodes and decodes with a BPE model', () => {
    const t = createHfTokenizer(wordLevel);
    expect(t.vocabSize).toBe(6);
    expect(t.encode('abc ab ba')).toEqual([5, 4, 2, 1]);
    expect(t.encode('ax')).toEqual([1, 0]);
    // No decoder in the JSON: tokens are joined with spaces, as in the Rust library.
    expect(t.decode([5, 3])).toBe('abc c');
  });
  it('routes sources and refuses GGUF-embedded tokenizers clearly', () => {
    expect(createTokenizer({ kind: 'bytes', vocabSize: 256, bos: null, eos: null }).encode('a')).toEqual([97]);
    expect(createTokenizer({ kind: 'hf-json', json: wordLevel }).encode('ab')).toEqual([4]);
    expect(() => createTokenizer({ kind: 'gguf', model: 'llama', vocabSize: 32000 })).toThrow(/embeds a "llama" tokenizer .* give the model's tokenizer.json/);
    expect(() => createTokenizer({ kind: 'none' })).toThrow(/no tokenizer/);
  });
});
