// Byte-level BPE ("gpt2") GGUF tokenizers against llama.cpp itself: llama.cpp (node-llama-cpp
// 3.21.1, scripts/reference/llamacpp) tokenized the same vocabulary-only GGUFs for four
// pre-tokenizers; its ids are committed beside bpeFixture.ts. This test needs nothing outside the
// repository.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { byteSourceFromBytes } from '../model/byteSource';
import { parseGgufHeader } from '../model/gguf';
import { createTokenizer } from './hfTokenizer';
import { ggufTokenizerSource } from './ggufSource';
import { encodeTokenStream } from './stream';
import { BPE_PRETOKENIZERS, BPE_SAMPLE_TEXTS, bpeTestGguf, bpeTestVocab } from './testing/bpeFixture';

const reference = JSON.parse(readFileSync(join(import.meta.dirname, 'testing', 'llamacpp-bpe-ids.json'), 'utf8')) as {
  texts: string[];
  ids: Record<string, number[][]>;
};

describe('GGUF byte-level BPE tokenizers = llama.cpp', () => {
  it('the committed reference was made from these very texts', () => {
    expect(reference.texts).toEqual(BPE_SAMPLE_TEXTS);
  });
  for (const pre of BPE_PRETOKENIZERS) {
    it(`tokenizer.ggml.pre = "${pre}": ids identical to llama.cpp's for every sample text`, async () => {
      const file = await parseGgufHeader(byteSourceFromBytes(bpeTestGguf(pre), `bpe-${pre}.gguf`));
      const source = ggufTokenizerSource(file.metadata, bpeTestVocab().tokens.length);
      expect(source).toBeDefined();
      const tokenizer = createTokenizer(source!);
      BPE_SAMPLE_TEXTS.forEach((text, i) => {
        expect(Array.from(encodeTokenStream(tokenizer, text)), `${pre} text ${i}`).toEqual(reference.ids[pre][i]);
      });
    });
  }
  it('the pre-tokenizers really differ on these texts (the test can tell them apart)', () => {
    const distinct = new Set(BPE_PRETOKENIZERS.map((p) => JSON.stringify(reference.ids[p])));
    expect(distinct.size).toBeGreaterThanOrEqual(3);
  });
});
