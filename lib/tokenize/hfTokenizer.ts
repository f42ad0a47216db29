import type { TextTokenizer, TokenizerSource } from './types';
import { createByteTokenizer } from './byteTokenizer';
import { createGgufTokenizer } from './ggufTokenizer';
import { hfSpecialTokenRule } from './hfSpecial';
import { describeSpecial, loadLibraryTokenizer, wrapLibraryTokenizer } from './libraryTokenizer';

/**
 * A Hugging Face `tokenizer.json` (+ optional tokenizer_config.json) through
 * @huggingface/tokenizers (pure JS). encode() adds no special tokens; `special` states the
 * rule the token stream applies (hfSpecialTokenRule).
 */
export function createHfTokenizer(json: Record<string, unknown>, config?: Record<string, unknown>): TextTokenizer {
  const tokenizer = loadLibraryTokenizer(json, config ?? {}, 'tokenizer.json');
  const model = (json.model ?? {}) as { vocab?: unknown; type?: unknown };
  const vocab = model.vocab;
  const added = Array.isArray(json.added_tokens) ? (json.added_tokens as Array<{ id?: unknown }>) : [];
  let maxId = -1;
  if (Array.isArray(vocab)) maxId = vocab.length - 1;
  else if (vocab && typeof vocab === 'object') for (const v of Object.values(vocab as Record<string, unknown>)) if (typeof v === 'number') maxId = Math.max(maxId, v);
  for (const t of added) if (typeof t.id === 'number') maxId = Math.max(maxId, t.id);
  const special = hfSpecialTokenRule(json, config);
  const modelType = typeof model.type === 'string' ? model.type : Array.isArray(vocab) ? 'Unigram' : 'BPE';
  return wrapLibraryTokenizer(tokenizer, {
    kind: 'hf-json',
    vocabSize: maxId + 1,
    special,
    description: `tokenizer.json (${modelType}), ${maxId + 1} tokens; ${describeSpecial(special)}`,
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
      throw Object.assign(new Error('the model has no tokenizer (no tokenizer.json, bandscope_tokenizer.json or GGUF-embedded tokenizer found)'), { userFacing: true });
  }
}
