// Tokenization in the worker: client → protocol (structured clone) → handler → lib/tokenize.
import { describe, expect, it } from 'vitest';
import { createOrtNodeRuntime } from '../runtime/ort-node';
import { createEngineClient } from './client';
import { createInProcessWorker } from './testing/inProcessWorker';
import { TINY_BPE_TOKENIZER_JSON } from '../../lib/tokenize/testing/tinyBpe';

describe('engine tokenize request', () => {
  it("returns the token stream lib/tokenize gives (BPE by hand: abc ab ba → 5 4 2 1), bytes for byte models, BOS by the tokenizer's rule", async () => {
    const client = createEngineClient(() => createInProcessWorker(createOrtNodeRuntime({ intraOpNumThreads: 1 })));
    expect(Array.from(await client.tokenize({ kind: 'hf-json', json: TINY_BPE_TOKENIZER_JSON }, 'abc ab ba'))).toEqual([5, 4, 2, 1]);
    expect(Array.from(await client.tokenize({ kind: 'bytes', vocabSize: 256, bos: null, eos: null }, 'Hi'))).toEqual([72, 105]);
    const gguf = {
      kind: 'gguf',
      model: 'llama',
      pre: null,
      tokens: ['<unk>', '<s>', '</s>', '▁', 'x', '▁x'],
      scores: [0, 0, 0, -3, -2, -1],
      tokenTypes: null,
      merges: null,
      bosId: 1,
      eosId: 2,
      unkId: 0,
      addBos: true,
      addEos: false,
      addSpacePrefix: true,
    } as const;
    // "▁x" is the highest-scoring piece; the file's rule adds BOS 1 once, at the start of the stream.
    expect(Array.from(await client.tokenize(gguf, 'x x'))).toEqual([1, 5, 5]);
    expect(Array.from(await client.tokenize({ ...gguf, addBos: false }, 'x x'))).toEqual([5, 5]);
    await expect(client.tokenize({ ...gguf, model: 't5' }, 'x')).rejects.toThrow(/tokenizer model "t5" .* not supported/);
    client.terminate();
  });
});
