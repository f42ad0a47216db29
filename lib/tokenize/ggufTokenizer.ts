import type { Tokenizer } from '@huggingface/tokenizers';
import { describeGgufSource, specialTokenRuleOf } from './describeSource';
import { ggufTokenizerJson } from './ggufTokenizerJson';
import { loadLibraryTokenizer, wrapLibraryTokenizer } from './libraryTokenizer';
import type { GgufTokenizerSource, TextTokenizer } from './types';

/**
 * Runs SentencePiece merges at their score groups: the library ranks every merge apart (its
 * index), llama.cpp lets equal scores tie and takes the leftmost pair. The library's BPE
 * model orders pairs by rank + position/length (< 1), so giving tied merges one rank makes
 * position decide among them, exactly as llama.cpp. `bpe_ranks` (pair key → merge index) is
 * the library's internal table; the SentencePiece tie tests fail if it ever changes shape.
 */
function applyTiedRanks(tokenizer: Tokenizer, tiedRanks: Int32Array): void {
  const model = (tokenizer as unknown as { model?: { bpe_ranks?: unknown } }).model;
  const ranks = model?.bpe_ranks;
  if (!(ranks instanceof Map)) throw new Error('@huggingface/tokenizers: BPE model has no bpe_ranks map (library internals changed; see ggufTokenizer.ts)');
  for (const [key, rank] of ranks as Map<string, number>) {
    const tied = tiedRanks[rank];
    if (tied !== rank) ranks.set(key, tied);
  }
}

/**
 * A GGUF-embedded tokenizer run by @huggingface/tokenizers from the tokenizer.json
 * equivalent of its metadata (ggufTokenizerJson). encode() gives raw ids; `special` carries
 * the file's BOS/EOS rule (tokenizer.ggml.add_bos_token etc., llama.cpp's defaults when
 * absent). Throws ModelFormatError for unsupported models/pre-tokenizers and bad merges.
 */
export function createGgufTokenizer(source: GgufTokenizerSource): TextTokenizer {
  const built = ggufTokenizerJson(source);
  const tokenizer = loadLibraryTokenizer(built.json, { clean_up_tokenization_spaces: false }, 'the GGUF-embedded tokenizer');
  if (built.tiedRanks) applyTiedRanks(tokenizer, built.tiedRanks);
  return wrapLibraryTokenizer(tokenizer, {
    kind: 'gguf',
    vocabSize: source.tokens.length,
    special: specialTokenRuleOf(source),
    description: describeGgufSource(source),
    what: 'GGUF-embedded tokenizer',
    cleanUpSpaces: false,
  });
}
