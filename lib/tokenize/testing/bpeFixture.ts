/**
 * Test-only: a small byte-level BPE vocabulary (GPT-2 byte↦unicode alphabet + merges learned
 * greedily from a fixed text) written into vocabulary-only GGUF files with each
 * `tokenizer.ggml.pre` Bandscope supports. llama.cpp tokenized the same files
 * (scripts/reference/llamacpp) and its ids are committed beside this file, so the GGUF "gpt2"
 * tokenizer is checked against llama.cpp itself, not against our own reading of its rules.
 */
import { writeGguf } from '../../model/testing/ggufWriter';

/** Text the merges are learned from: contractions, digit runs, accents, punctuation, whitespace runs. */
export const BPE_TRAINING_TEXT = [
  "It's the model's window, and we've seen it: they'll say it isn't, I'd say it is. DON'T STOP, YOU'RE CLOSE.",
  'In 2026 the 1234567 tokens cost 3.14159 each; 42 + 58 = 100, and 0007 is 7.',
  'Café, naïve résumé, Ünïcödé façade — “quoted” text… and ¿qué? 日本語のテキスト 한국어',
  'function foo_bar(x) { return x*2 + 1; } // a comment\n\tindented\n\n  two  spaces   three   spaces',
  'the the the then there these those they them their theirs theory thermal',
].join('\n');

/** Texts llama.cpp tokenized for the fixture (some words never seen in training). */
export const BPE_SAMPLE_TEXTS = [
  "Hello world! It's 2026 and we've got 12345 items; don't stop.",
  'Théâtre naïf: 3.5 km — “très” loin…\n\n\tTabs  and   spaces\n',
  "I'M LOUD, you'RE not. x=42; foo_bar(7) // 日本",
  '   leading spaces and trailing   ',
];

/** llama.cpp's names (llama-vocab.cpp): GPT-2's own is 'gpt-2'. */
export const BPE_PRETOKENIZERS = ['default', 'gpt-2', 'llama-bpe', 'qwen2'] as const;

/** GPT-2's byte ↦ printable unicode character table (bytes_to_unicode in openai/gpt-2 encoder.py). */
export function gpt2ByteAlphabet(): string[] {
  const printable: number[] = [];
  for (let b = 33; b <= 126; b++) printable.push(b);
  for (let b = 161; b <= 172; b++) printable.push(b);
  for (let b = 174; b <= 255; b++) printable.push(b);
  const table: string[] = new Array(256);
  let extra = 0;
  for (let b = 0; b < 256; b++) table[b] = printable.includes(b) ? String.fromCodePoint(b) : String.fromCodePoint(256 + extra++);
  return table;
}

/**
 * The vocabulary: 256 byte symbols, then `mergeCount` merges learned greedily (most frequent
 * adjacent pair within whitespace-separated words, ties by first occurrence), then one control
 * token `<|bos|>`. Deterministic.
 */
export function bpeTestVocab(mergeCount = 160): { tokens: string[]; merges: string[]; bosId: number } {
  const alphabet = gpt2ByteAlphabet();
  const encoder = new TextEncoder();
  const words = BPE_TRAINING_TEXT.split(/(?=\s)/u).map((w) => Array.from(encoder.encode(w), (b) => alphabet[b]));
  const tokens = alphabet.slice();
  const merges: string[] = [];
  for (let m = 0; m < mergeCount; m++) {
    const counts = new Map<string, number>();
    for (const word of words)
      for (let i = 0; i + 1 < word.length; i++) counts.set(`${word[i]} ${word[i + 1]}`, (counts.get(`${word[i]} ${word[i + 1]}`) ?? 0) + 1);
    let best = '';
    let bestCount = 1;
    for (const [pair, n] of counts) if (n > bestCount) [best, bestCount] = [pair, n];
    if (best === '') break;
    const [a, b] = best.split(' ');
    merges.push(best);
    tokens.push(a + b);
    for (const word of words) {
      for (let i = 0; i + 1 < word.length; i++) if (word[i] === a && word[i + 1] === b) word.splice(i, 2, a + b);
    }
  }
  tokens.push('<|bos|>');
  return { tokens, merges, bosId: tokens.length - 1 };
}

/** A vocabulary-only GGUF (no tensors) holding the BPE vocabulary with `tokenizer.ggml.pre = pre`. */
export function bpeTestGguf(pre: string): Uint8Array {
  const { tokens, merges, bosId } = bpeTestVocab();
  return writeGguf({
    metadata: {
      'general.architecture': 'llama',
      'llama.context_length': 256,
      'llama.embedding_length': 8,
      'llama.block_count': 1,
      'llama.feed_forward_length': 16,
      'llama.attention.head_count': 1,
      'llama.attention.layer_norm_rms_epsilon': 1e-5,
      'tokenizer.ggml.model': 'gpt2',
      'tokenizer.ggml.pre': pre,
      'tokenizer.ggml.tokens': { type: 'array', elementType: 'string', value: tokens },
      'tokenizer.ggml.token_type': { type: 'array', elementType: 'i32', value: tokens.map((_, i) => (i === bosId ? 3 : 1)) },
      'tokenizer.ggml.merges': { type: 'array', elementType: 'string', value: merges },
      'tokenizer.ggml.bos_token_id': { type: 'u32', value: bosId },
      'tokenizer.ggml.eos_token_id': { type: 'u32', value: bosId },
      'tokenizer.ggml.add_bos_token': true,
    },
    tensors: [],
  });
}
