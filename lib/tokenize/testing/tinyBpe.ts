/** Test-only: a tiny BPE tokenizer.json built by hand — whitespace pre-tokenizer, merges a+b → ab, ab+c → abc ('abc ab ba' → 5 4 2 1). */
export const TINY_BPE_TOKENIZER_JSON = {
  version: '1.0',
  truncation: null,
  padding: null,
  added_tokens: [{ id: 0, content: '[UNK]', single_word: false, lstrip: false, rstrip: false, normalized: false, special: true }],
  normalizer: null,
  pre_tokenizer: { type: 'Whitespace' },
  post_processor: null,
  decoder: null,
  model: {
    type: 'BPE',
    vocab: { '[UNK]': 0, a: 1, b: 2, c: 3, ab: 4, abc: 5 },
    merges: ['a b', 'ab c'],
    unk_token: '[UNK]',
    dropout: null,
    continuing_subword_prefix: null,
    end_of_word_suffix: null,
    fuse_unk: false,
    byte_fallback: false,
  },
};
