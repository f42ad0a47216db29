import { Tokenizer } from '@huggingface/tokenizers';
import type { TextTokenizer, TokenizerSource } from './types';
import { createByteTokenizer } from './byteTokenizer';

/**
 * A Hugging Face `tokenizer.json` (+ optional tokenizer_config.json) through
 * @huggingface/tokenizers (pure JS). Special tokens are not added on encode: the engine
 * scores raw text spans.
 */
export function createHfTokenizer(json: Record<string, unknown>, config?: Record<string, unknown>): TextTokenizer {
  let tokenizer: Tokenizer;
  try {
    tokenizer = new Tokenizer(json, config ?? {});
  } catch (e) {
    throw Object.assign(new Error(`tokenizer.json could not be loaded: ${e instanceof Error ? e.message : String(e)}`), { userFacing: true });
  }
  const model = (json.model ?? {}) as { vocab?: unknown };
  const vocab = model.vocab;
  const added = Array.isArray(json.added_tokens) ? (json.added_tokens as Array<{ id?: unknown }>) : [];
  let maxId = -1;
  if (Array.isArray(vocab)) maxId = vocab.length - 1;
  else if (vocab && typeof vocab === 'object') for (const v of Object.values(vocab as Record<string, unknown>)) if (typeof v === 'number') maxId = Math.max(maxId, v);
  for (const t of added) if (typeof t.id === 'number') maxId = Math.max(maxId, t.id);
  return {
    kind: 'hf-json',
    vocabSize: maxId + 1,
    encode(text: string): number[] {
      const ids = tokenizer.encode(text, { add_special_tokens: false }).ids;
      // The JS port returns undefined for pieces it cannot map when the model has no unk token.
      for (let i = 0; i < ids.length; i++) {
        if (typeof ids[i] !== 'number') throw Object.assign(new Error(`tokenizer.json: no id for a piece of the text at token ${i} (no unk_token)`), { userFacing: true });
      }
      return ids;
    },
    decode(ids: ArrayLike<number>): string {
      return tokenizer.decode(Array.from(ids), { skip_special_tokens: false });
    },
  };
}

/**
 * The runnable tokenizer for a model's TokenizerSource. GGUF-embedded tokenizers
 * (tokenizer.ggml.*) are refused: @huggingface/tokenizers builds only from tokenizer.json,
 * and rebuilding SentencePiece/BPE pipelines from GGUF metadata is not supported.
 */
export function createTokenizer(source: TokenizerSource): TextTokenizer {
  switch (source.kind) {
    case 'bytes':
      return createByteTokenizer();
    case 'hf-json':
      return createHfTokenizer(source.json, source.config);
    case 'gguf':
      throw Object.assign(
        new Error(
          `this GGUF file embeds a "${source.model}" tokenizer (tokenizer.ggml.*), which Bandscope cannot run yet; give the model's tokenizer.json alongside the .gguf file`,
        ),
        { userFacing: true },
      );
    default:
      throw Object.assign(new Error('the model has no tokenizer (no tokenizer.json or bandscope_tokenizer.json found)'), { userFacing: true });
  }
}
