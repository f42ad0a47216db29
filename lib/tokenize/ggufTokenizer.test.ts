import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { byteSourceFromBytes } from '../model/byteSource';
import { ModelFormatError } from '../model/errors';
import { openModel } from '../model/open';
import type { GgufWriteValue } from '../model/testing/ggufWriter';
import { tinyGguf } from '../model/testing/tinyModels';
import { fixtureSkipMessage, sharedFixture } from '../testing/sharedFixtures';
import { createTokenizer } from './hfTokenizer';
import { encodeTokenStream } from './stream';
import { BPE_MERGES, BPE_TOKENS, SPM_VOCAB, ggufTokenizerMeta } from './testing/ggufTokenizerFiles';
import type { TextTokenizer } from './types';

async function tokenizerOf(meta: Record<string, GgufWriteValue>): Promise<TextTokenizer> {
  const model = await openModel([byteSourceFromBytes(tinyGguf('llama', meta), 'tok.gguf')]);
  return createTokenizer(model.tokenizer);
}

const spm = (extra: Record<string, GgufWriteValue> = {}): Promise<TextTokenizer> =>
  tokenizerOf(
    ggufTokenizerMeta({ model: 'llama', tokens: SPM_VOCAB.map((v) => v[0]), scores: SPM_VOCAB.map((v) => v[1]), types: SPM_VOCAB.map((v) => v[2]), extra }),
  );
const bpe = (pre: string, extra: Record<string, GgufWriteValue> = {}): Promise<TextTokenizer> =>
  tokenizerOf(
    ggufTokenizerMeta({
      model: 'gpt2',
      tokens: BPE_TOKENS,
      merges: BPE_MERGES,
      types: BPE_TOKENS.map((t) => (t === '<|bos|>' ? 3 : 1)),
      extra: { 'tokenizer.ggml.pre': pre, 'tokenizer.ggml.bos_token_id': 16, ...extra },
    }),
  );

describe('GGUF SentencePiece ("llama") as llama.cpp runs it', () => {
  it('merges the pair whose piece scores highest, then falls back to bytes (ids worked out by hand)', async () => {
    const t = await spm();
    // "▁abc": ab (−1) beats bc (−2) and ▁a (−3); then ab+c → abc (−4); "▁abc" is no piece.
    expect(t.encode('abc')).toEqual([5, 15]);
    // "▁x▁x": ▁x (−0.5) twice.
    expect(t.encode('x x')).toEqual([16, 16]);
    // é = C3 A9 is no piece: <0xC3> <0xA9>; "▁b" is no piece either.
    expect(t.encode('é b')).toEqual([5, 3, 4, 5, 7]);
    // A character that is no piece may still merge (llama.cpp joins any pair that makes a piece): é + z → éz.
    expect(t.encode('éz')).toEqual([5, 19]);
    // ü = C3 BC: no <0xBC> piece → the unknown piece.
    expect(t.encode('ü')).toEqual([5, 0]);
    expect(t.vocabSize).toBe(SPM_VOCAB.length);
  });
  it('breaks equal scores by position (leftmost first), not by id', async () => {
    const t = await spm();
    // "▁axyz": ▁a (−3) first; then xy and yz both score −6 and llama.cpp takes the leftmost
    // pair (x, y), although yz has the lower id (ranking merges apart would give ▁a x yz).
    expect(t.encode('axyz')).toEqual([14, 18, 11]);
    // "▁xyz": ▁x (−0.5) beats both, leaving y z → yz.
    expect(t.encode('xyz')).toEqual([16, 17]);
    // "▁yzxy" → yz then xy, both left to right.
    expect(t.encode('yzxy')).toEqual([5, 17, 18]);
    // "▁▁▁" (two spaces in the text + the prefix): the leftmost ▁▁, then ▁ alone.
    expect(t.encode('  ')).toEqual([21, 5]);
  });
  it('matches control and user-defined pieces in the text and puts ▁ after them, as llama.cpp', async () => {
    const t = await spm();
    expect(t.encode('<s>x')).toEqual([1, 16]);
    expect(t.encode('x<sep>x')).toEqual([16, 20, 16]);
  });
  it('honours add_space_prefix = false', async () => {
    const t = await spm({ 'tokenizer.ggml.add_space_prefix': false });
    expect(t.encode('x x')).toEqual([9, 16]);
    expect(t.decode([9, 16])).toBe('x x');
  });
  it('decodes back to the text (▁ → space, bytes fused, the prefix space dropped)', async () => {
    const t = await spm();
    expect(t.decode(t.encode('abc é x'))).toBe('abc é x');
    expect(t.decode([])).toBe('');
  });
  it('states the special-token rule: llama.cpp defaults (BOS 1 added), or the file’s flags', async () => {
    const t = await spm();
    expect(t.special).toEqual({ bosId: 1, eosId: 2, addBos: true, addEos: false });
    expect(t.description).toBe(`GGUF-embedded SentencePiece ("llama"), ${SPM_VOCAB.length} tokens; adds BOS 1 at the start`);
    expect(Array.from(encodeTokenStream(t, 'abc'))).toEqual([1, 5, 15]);
    const both = await spm({ 'tokenizer.ggml.add_bos_token': false, 'tokenizer.ggml.add_eos_token': true, 'tokenizer.ggml.eos_token_id': 20 });
    expect(both.special).toEqual({ bosId: 1, eosId: 20, addBos: false, addEos: true });
    expect(Array.from(encodeTokenStream(both, 'abc'))).toEqual([5, 15, 20]);
    expect(both.description).toMatch(/adds EOS 20 at the end$/);
  });
});

describe('GGUF byte-level BPE ("gpt2")', () => {
  it('applies merges by rank (ids worked out by hand)', async () => {
    const t = await bpe('gpt-2');
    // "hello" → h e, l l, he ll, hell o → hello; " world" = "Ġworld" → Ġ w, o r, Ġw or, l d.
    expect(t.encode('hello world')).toEqual([11, 14, 15]);
    // "llo": l l (rank 1) beats l o (rank 8) → ll, o.
    expect(t.encode('llo')).toEqual([9, 3]);
    // gpt-2 splits " 123" as one pre-token: Ġ stays alone (no "Ġ 1" merge), 1 2, 12 3.
    expect(t.encode(' 123')).toEqual([4, 23]);
    expect(t.decode(t.encode('hello world'))).toBe('hello world');
    expect(t.special).toEqual({ bosId: 16, eosId: 11, addBos: false, addEos: false });
    expect(t.description).toBe(
      `GGUF-embedded byte-level BPE ("gpt2", pre "gpt-2"), ${BPE_TOKENS.length} tokens, ${BPE_MERGES.length} merges; adds no special tokens`,
    );
  });
  it('llama-bpe: a pre-token that is itself a piece is taken whole (ignore_merges), BOS added by default', async () => {
    const merging = await bpe('gpt-2');
    const llama3 = await bpe('llama-bpe');
    // "hel": merges give he + l; Llama-3 takes the piece "hel".
    expect(merging.encode('hel')).toEqual([8, 2]);
    expect(llama3.encode('hel')).toEqual([18]);
    expect(llama3.special).toEqual({ bosId: 16, eosId: 11, addBos: true, addEos: false });
    expect(Array.from(encodeTokenStream(llama3, 'hello'))).toEqual([16, 11]);
    // Digits: Llama-3 groups up to three, Qwen2 splits each digit.
    expect(llama3.encode('123')).toEqual([23]);
    expect((await bpe('qwen2')).encode('123')).toEqual([19, 20, 21]);
    expect(llama3.encode('<|bos|>he')).toEqual([16, 8]);
  });
  it('refuses unknown models and pre-tokenizers, naming them and what is supported', async () => {
    await expect(bpe('tekken')).rejects.toThrow(
      /pre-tokenizer "tekken" \(tokenizer\.ggml\.pre\) is not supported; supported: default, gpt-2, .*llama-bpe.*qwen2/,
    );
    await expect(tokenizerOf(ggufTokenizerMeta({ model: 't5', tokens: ['a'] }))).rejects.toThrow(
      /tokenizer model "t5" .* supported: "llama" \(SentencePiece\), "gpt2" \(byte-level BPE\)/,
    );
    await expect(bpe('tekken')).rejects.toBeInstanceOf(ModelFormatError);
  });
  it('refuses merges that are malformed or name pieces outside the vocabulary', async () => {
    const withMerges = (merges: string[]): Promise<TextTokenizer> =>
      tokenizerOf(ggufTokenizerMeta({ model: 'gpt2', tokens: BPE_TOKENS, merges, extra: { 'tokenizer.ggml.pre': 'gpt-2' } }));
    await expect(withMerges(['h e', 'he'])).rejects.toThrow(/merge 1 "he" is not "left right"/);
    await expect(withMerges(['h q'])).rejects.toThrow(/merge 0 "h q" names "q", which is not in the 24-token vocabulary/);
    await expect(withMerges(['e h'])).rejects.toThrow(/merge 0 "e h" makes "eh", which is not in the 24-token vocabulary/);
    await expect(tokenizerOf(ggufTokenizerMeta({ model: 'gpt2', tokens: BPE_TOKENS }))).rejects.toThrow(/needs tokenizer\.ggml\.merges/);
    await expect(tokenizerOf(ggufTokenizerMeta({ model: 'llama', tokens: ['a', 'b', 'a'] }))).rejects.toThrow(/token 2 "a" repeats token 0/);
  });
});

describe('real GGUF files (llama.cpp ids for the same text)', () => {
  const text = sharedFixture('stories260K', 'sample.txt');
  for (const [folder, file] of [
    ['stories260K', 'stories260K.gguf'],
    ['llama2-tiny-random', 'llama-2-tiny-random.gguf'],
  ] as const) {
    const path = sharedFixture(folder, file);
    const ids = sharedFixture(folder, 'ids.llama-cpp.json');
    it.skipIf(!path || !ids || !text)(
      `${file}: token stream identical to llama-tokenize ${path && ids && text ? '' : fixtureSkipMessage(folder, file)}`,
      async () => {
        const model = await openModel([byteSourceFromBytes(new Uint8Array(readFileSync(path!)), file)]);
        const t = createTokenizer(model.tokenizer);
        const sample = readFileSync(text!, 'utf8');
        const want = JSON.parse(readFileSync(ids!, 'utf8')) as number[];
        expect(Array.from(encodeTokenStream(t, sample))).toEqual(want);
        expect(t.decode(want.slice(1))).toBe(sample);
        expect(t.description).toMatch(/^GGUF-embedded SentencePiece \("llama"\), (512|32000) tokens; adds BOS 1 at the start$/);
      },
    );
  }
});
