import { describe, expect, it } from 'vitest';
import { createHfTokenizer, createTokenizer } from './hfTokenizer';
import { TINY_BPE_TOKENIZER_JSON } from './testing/tinyBpe';

describe('Hugging Face tokenizer.json', () => {
  it('encodes and decodes with a BPE model', () => {
    const t = createHfTokenizer(TINY_BPE_TOKENIZER_JSON);
    expect(t.vocabSize).toBe(6);
    expect(t.encode('abc ab ba')).toEqual([5, 4, 2, 1]);
    expect(t.encode('ax')).toEqual([1, 0]);
    // No decoder in the JSON: tokens are joined with spaces, as in the Rust library.
    expect(t.decode([5, 3])).toBe('abc c');
  });
  it('routes sources: bytes, tokenizer.json, GGUF-embedded; none is refused', () => {
    expect(createTokenizer({ kind: 'bytes', vocabSize: 256, bos: null, eos: null }).encode('a')).toEqual([97]);
    expect(createTokenizer({ kind: 'hf-json', json: TINY_BPE_TOKENIZER_JSON }).encode('ab')).toEqual([4]);
    const gguf = createTokenizer({
      kind: 'gguf',
      model: 'llama',
      pre: null,
      tokens: ['<unk>', '<s>', '</s>', '▁', 'a', '▁a'],
      scores: [0, 0, 0, -3, -2, -1],
      tokenTypes: null,
      merges: null,
      bosId: 1,
      eosId: 2,
      unkId: 0,
      addBos: true,
      addEos: false,
      addSpacePrefix: true,
    });
    expect(gguf.encode('a a')).toEqual([5, 5]);
    expect(gguf.kind).toBe('gguf');
    expect(() => createTokenizer({ kind: 'none' })).toThrow(/no tokenizer/);
  });
});

// Llama-2's tokenizer.json shape: TemplateProcessing "<s> $A", special tokens as added tokens.
const templated = {
  ...TINY_BPE_TOKENIZER_JSON,
  added_tokens: [
    ...TINY_BPE_TOKENIZER_JSON.added_tokens,
    { id: 6, content: '<s>', single_word: false, lstrip: false, rstrip: false, normalized: false, special: true },
    { id: 7, content: '</s>', single_word: false, lstrip: false, rstrip: false, normalized: false, special: true },
  ],
  post_processor: {
    type: 'TemplateProcessing',
    single: [{ SpecialToken: { id: '<s>', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }],
    pair: [],
    special_tokens: { '<s>': { id: '<s>', ids: [6], tokens: ['<s>'] } },
  },
};

describe('the special-token rule of a tokenizer.json', () => {
  it('reads add_bos/add_eos from the post_processor template when the config is silent', () => {
    const t = createHfTokenizer(templated);
    expect(t.special).toEqual({ bosId: 6, eosId: null, addBos: true, addEos: false });
    expect(t.description).toBe('tokenizer.json (BPE), 8 tokens; adds BOS 6 at the start');
    // encode() stays raw: the template is not applied.
    expect(t.encode('ab')).toEqual([4]);
    // Inside a Sequence post-processor (Llama-3 style), with the EOS after $A.
    const seq = {
      ...templated,
      post_processor: {
        type: 'Sequence',
        processors: [
          { type: 'ByteLevel' },
          { ...templated.post_processor, single: [...templated.post_processor.single, { SpecialToken: { id: '</s>', type_id: 0 } }] },
        ],
      },
    };
    expect(createHfTokenizer(seq).special).toEqual({ bosId: 6, eosId: 7, addBos: true, addEos: true });
  });
  it('lets tokenizer_config.json flags win and looks bos/eos up by content', () => {
    expect(createHfTokenizer(templated, { add_bos_token: false, add_eos_token: true, bos_token: '<s>', eos_token: { content: '</s>' } }).special).toEqual({
      bosId: 6,
      eosId: 7,
      addBos: false,
      addEos: true,
    });
    expect(createHfTokenizer(TINY_BPE_TOKENIZER_JSON, { add_bos_token: true, bos_token: 'abc' }).special).toEqual({
      bosId: 5,
      eosId: null,
      addBos: true,
      addEos: false,
    });
    // A flag whose token is nowhere adds nothing.
    expect(createHfTokenizer(TINY_BPE_TOKENIZER_JSON, { add_bos_token: true, bos_token: '<nope>' }).special).toEqual({
      bosId: null,
      eosId: null,
      addBos: false,
      addEos: false,
    });
    expect(createHfTokenizer(TINY_BPE_TOKENIZER_JSON).special).toEqual({ bosId: null, eosId: null, addBos: false, addEos: false });
  });
});
