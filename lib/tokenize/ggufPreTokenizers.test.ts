import { SequencePreTokenizer } from '@huggingface/tokenizers';
import { describe, expect, it } from 'vitest';
import { bpePreTokenizerJson, ggufBpePreTokenizer } from './ggufPreTokenizers';

/** The library's split of `text` by the regexes alone (the ByteLevel step left out, so pieces stay readable). */
function split(pre: string, text: string): string[] {
  const json = bpePreTokenizerJson(ggufBpePreTokenizer(pre)) as { pretokenizers: unknown[] };
  const regexOnly = new SequencePreTokenizer({ type: 'Sequence', pretokenizers: json.pretokenizers.slice(0, -1) } as never);
  return regexOnly.pre_tokenize(text);
}

// Contractions in both cases, a digit run, a letter run with diacritics, newlines, runs of spaces and a tab.
const TRICKY = "I'm HE'LL 12345 x\n\n  y  \tz ünïcode!!\n";

describe("llama.cpp's BPE pre-tokenizer regexes (splits derived by hand from llama-vocab.cpp)", () => {
  it('llama-bpe (Llama-3): any-case contractions, digits in threes, \\s*[\\r\\n]+, lone spaces before spaces', () => {
    expect(split('llama-bpe', TRICKY)).toEqual(['I', "'m", ' HE', "'LL", ' ', '123', '45', ' x', '\n\n', ' ', ' y', '  ', '\tz', ' ünïcode', '!!\n']);
  });
  it('qwen2: as Llama-3 but one digit per piece', () => {
    expect(split('qwen2', TRICKY)).toEqual(['I', "'m", ' HE', "'LL", ' ', '1', '2', '3', '4', '5', ' x', '\n\n', ' ', ' y', '  ', '\tz', ' ünïcode', '!!\n']);
  });
  it('gpt-2: lower-case contractions only, " ?\\p{N}+", unmatched text kept as its own piece', () => {
    expect(split('gpt-2', TRICKY)).toEqual(['I', "'m", ' HE', "'", 'LL', ' 12345', ' x', '\n\n ', ' y', '  ', '\t', 'z', ' ünïcode', '!!', '\n']);
  });
  it('default (and absent pre): punctuation runs, then GPT-2, then digit runs, then digit triples', () => {
    const want = ['I', "'", 'm', ' HE', "'", 'LL', ' ', '123', '45', ' x', '\n\n ', ' y', '  ', '\t', 'z', ' ünïcode', '!!', '\n'];
    expect(split('default', TRICKY)).toEqual(want);
    expect(ggufBpePreTokenizer(null)).toBe(ggufBpePreTokenizer('default'));
  });
  it('the regexes compile in V8 without inline flags, and unknown names are refused', () => {
    for (const pre of ['default', 'gpt-2', 'llama-bpe', 'qwen2'])
      for (const r of ggufBpePreTokenizer(pre).regexes) expect(() => new RegExp(r, 'gu')).not.toThrow();
    expect(() => ggufBpePreTokenizer('deepseek-llm')).toThrow(/"deepseek-llm" .* not supported; supported: default, gpt-2/);
    expect(() => ggufBpePreTokenizer('__proto__')).toThrow(/not supported/);
  });
});
