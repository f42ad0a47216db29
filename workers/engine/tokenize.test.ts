// Tokenization in the worker: client → protocol (structured clone) → handler → lib/tokenize.
import { describe, expect, it } from 'vitest';
import { createOrtNodeRuntime } from '../runtime/ort-node';
import { createEngineClient } from './client';
import { createInProcessWorker } from './testing/inProcessWorker';

// Hand-built BPE tokenizer.json: whitespace pre-tokenizer, merges a+b → ab, ab+c → abc.
const bpe = {
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

describe('engine tokenize request', () => {
  it('returns the token stream lib/tokenize gives (BPE by hand: abc ab ba → 5 4 2 1), bytes for byte models, BOS by the tokenizer\'s rule', async () => {
    const client = createEngineClient(() => createInProcessWorker(createOrtNodeRuntime({ intraOpNumThreads: 1 })));
    expect(Array.from(await client.tokenize({ kind: 'hf-json', json: bpe }, 'abc ab ba'))).toEqual([5, 4, 2, 1]);
    expect(Array.from(await client.tokenize({ kind: 'bytes', vocabSize: 256, bos: null, eos: null }, 'Hi'))).toEqual([72, 105]);
    const gguf = { kind: 'gguf', model: 'llama', pre: null, tokens: ['<unk>', '<s>', '</s>', '▁', 'x', '▁x'], scores: [0, 0, 0, -3, -2, -1], tokenTypes: null, merges: null, bosId: 1, eosId: 2, unkId: 0, addBos: true, addEos: false, addSpacePrefix: true } as const;
    // "▁x" is the highest-scoring piece; the file's rule adds BOS 1 once, at the start of the stream.
    expect(Array.from(await client.tokenize(gguf, 'x x'))).toEqual([1, 5, 5]);
    expect(Array.from(await client.tokenize({ ...gguf, addBos: false }, 'x x'))).toEqual([5, 5]);
    await expect(client.tokenize({ ...gguf, model: 't5' }, 'x')).rejects.toThrow(/tokenizer model "t5" .* not supported/);
    client.terminate();
  });
});
