import type { TextTokenizer, TokenizerSource } from './types';
import { createByteTokenizer } from './byteTokenizer';
import { createGgufTokenizer } from './ggufTokenizer';
import { describeTokenizerSource, hfVocabInfo, specialTokenRuleOf } from './describeSource';
import { loadLibraryTokenizer, wrapLibraryTokenizer } from './libraryTokenizer';

/**
 * A Hugging Face `tokenizer.json` (+ optional tokenizer_config.json) through
 * @huggingface/tokenizers (pure JS). encode() adds no special tokens; `special` states the
 * rule the token stream applies (hfSpecialTokenRule).
 */
export function createHfTokenizer(json: Record<string, unknown>, config?: Record<string, unknown>): TextTokenizer {
  const tokenizer = loadLibraryTokenizer(json, config ?? {}, 'tokenizer.json');
  const source = { kind: 'hf-json' as const, json, ...(config ? { config } : {}) };
  return wrapLibraryTokenizer(tokenizer, {
    kind: 'hf-json',
    vocabSize: hfVocabInfo(json).vocabSize,
    special: specialTokenRuleOf(source),
    description: describeTokenizerSource(source),
    what: 'tokenizer.json',
  });
}

/**
 * The runnable tokenizer for a model's TokenizerSource: the built-in byte tokenizer, a
 * tokenizer.json, or a GGUF-embedded tokenizer (createGgufTokenizer; unsupported GGUF
 * tokenizer models/pre-tokenizers are refused with a ModelFormatError naming them).
 */
export function createTokenizer(source: TokenizerSource): TextTokenizer {
  switch (source.kind) {
    case 'bytes':
      return createByteTokenizer({ bos: source.bos, eos: source.eos });
    case 'hf-json':
      return createHfTokenizer(source.json, source.config);
    case 'gguf':
      return createGgufTokenizer(source);
    default:
      throw Object.assign(new Error('the model has no tokenizer (no tokenizer.json, bandscope_tokenizer.json or GGUF-embedded tokenizer found)'), {
        userFacing: true,
      });
  }
}
