import { describe, expect, it } from 'vitest';
import { ModelFormatError } from '../model/errors';
import type { GgufValue } from '../model/gguf';
import { GGUF_MAX_VOCAB_TOKENS, ggufTokenizerSource } from './ggufSource';

const meta = (extra: Record<string, GgufValue> = {}): Record<string, GgufValue> => ({
  'tokenizer.ggml.model': 'llama',
  'tokenizer.ggml.tokens': ['<unk>', '<s>', '</s>', 'a', 'b'],
  ...extra,
});
const refuse = (m: Record<string, GgufValue>, rows: number, message: RegExp): void => {
  let error: unknown;
  try {
    ggufTokenizerSource(m, rows);
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(ModelFormatError);
  expect((error as Error).message).toMatch(message);
};

describe('ggufTokenizerSource', () => {
  it('takes the arrays as parsed (no copy) and applies llama.cpp defaults', () => {
    const m = meta({ 'tokenizer.ggml.scores': [0, 0, 0, -1, -2], 'tokenizer.ggml.token_type': [2, 3, 3, 1, 1] });
    const s = ggufTokenizerSource(m, 5)!;
    expect(s.tokens).toBe(m['tokenizer.ggml.tokens']);
    expect(s.scores).toBe(m['tokenizer.ggml.scores']);
    expect(s).toMatchObject({
      kind: 'gguf',
      model: 'llama',
      pre: null,
      merges: null,
      bosId: 1,
      eosId: 2,
      unkId: 0,
      addBos: true,
      addEos: false,
      addSpacePrefix: true,
    });
    expect(ggufTokenizerSource({}, 5)).toBeUndefined();
    const gpt2 = ggufTokenizerSource(
      {
        'tokenizer.ggml.model': 'gpt2',
        'tokenizer.ggml.tokens': Array.from({ length: 20 }, (_, i) => `t${i}`),
        'tokenizer.ggml.pre': 'llama-bpe',
        'tokenizer.ggml.merges': [],
      },
      20,
    )!;
    expect(gpt2).toMatchObject({ bosId: 11, eosId: 11, unkId: null, addBos: true, addSpacePrefix: false, pre: 'llama-bpe' });
  });
  it('renames empty pieces as llama.cpp does, copying only then', () => {
    const s = ggufTokenizerSource(meta({ 'tokenizer.ggml.tokens': ['<unk>', '', '</s>'] }), 3)!;
    expect(s.tokens).toEqual(['<unk>', '[EMPTY_1]', '</s>']);
  });
  it('treats the uint32 −1 id as absent and refuses ids outside the vocabulary', () => {
    expect(ggufTokenizerSource(meta({ 'tokenizer.ggml.bos_token_id': 0xffffffff }), 5)!.bosId).toBe(1);
    refuse(meta({ 'tokenizer.ggml.bos_token_id': 5 }), 5, /"tokenizer\.ggml\.bos_token_id" = 5 is outside the vocabulary of 5 tokens \(ids 0…4\)/);
    refuse(meta({ 'tokenizer.ggml.eos_token_id': 77 }), 5, /eos_token_id" = 77/);
    refuse(meta({ 'tokenizer.ggml.unknown_token_id': 'x' }), 5, /unknown_token_id" must be an integer token id, got the string "x"/);
    refuse({ 'tokenizer.ggml.model': 'llama', 'tokenizer.ggml.tokens': ['a'] }, 1, /adds a BOS token but has none .* 1-token vocabulary/);
  });
  it('refuses hostile shapes with the numbers', () => {
    refuse(meta(), 4, /vocabulary has 5 tokens but the embedding \(token_embd\) has only 4 rows/);
    refuse(meta({ 'tokenizer.ggml.tokens': ['a', 7, 'b'] }), 5, /"tokenizer\.ggml\.tokens"\[1\] is number 7, not a string/);
    refuse(meta({ 'tokenizer.ggml.tokens': 'abc' }), 5, /must be an array of strings, got the string "abc"/);
    refuse(meta({ 'tokenizer.ggml.tokens': [] }), 5, /is empty/);
    refuse(meta({ 'tokenizer.ggml.tokens': new Array<GgufValue>(GGUF_MAX_VOCAB_TOKENS + 1).fill('a') }), 1e9, /has 4194305 tokens, more than the 4194304/);
    refuse(meta({ 'tokenizer.ggml.scores': [0, 0, 0] }), 5, /"tokenizer\.ggml\.scores" has 3 entries but "tokenizer\.ggml\.tokens" has 5/);
    refuse(meta({ 'tokenizer.ggml.scores': [0, 0, Number.NaN, 0, 0] }), 5, /scores"\[2\] is number NaN, expected a number \(not NaN\)/);
    refuse(meta({ 'tokenizer.ggml.token_type': [1, 1, 1, 1, 1.5] }), 5, /token_type"\[4\] is number 1\.5, expected an integer token type/);
    refuse(meta({ 'tokenizer.ggml.token_type': [1, 1, 1, 1, 1, 1] }), 5, /token_type" has 6 entries/);
    refuse(meta({ 'tokenizer.ggml.merges': ['a b', 3] }), 5, /merges"\[1\] is number 3, not a string/);
    refuse(meta({ 'tokenizer.ggml.model': 5 }), 5, /"tokenizer\.ggml\.model" must be a string/);
    refuse(meta({ 'tokenizer.ggml.pre': [1] }), 5, /"tokenizer\.ggml\.pre" must be a string, got an array of 1/);
    refuse(meta({ 'tokenizer.ggml.add_bos_token': 1 }), 5, /add_bos_token" must be a boolean, got number 1/);
    refuse({ 'tokenizer.ggml.model': 'llama' }, 5, /"tokenizer\.ggml\.tokens" is missing/);
  });
});
