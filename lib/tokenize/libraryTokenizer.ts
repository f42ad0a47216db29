import { Tokenizer } from '@huggingface/tokenizers';
import { ModelFormatError } from '../model/errors';
import type { SpecialTokenRule, TextTokenizer } from './types';

// A tokenizer that cannot load or map a text is a file problem the user can act on.
const userFacing = (message: string): Error => new ModelFormatError(message);

/** new Tokenizer(json, config), its errors turned into one user-facing sentence naming `what`. */
export function loadLibraryTokenizer(json: Record<string, unknown>, config: Record<string, unknown>, what: string): Tokenizer {
  try {
    return new Tokenizer(json, config);
  } catch (e) {
    throw userFacing(`${what} could not be loaded: ${e instanceof Error ? e.message : String(e)}`);
  }
}

/**
 * A TextTokenizer over a loaded @huggingface/tokenizers Tokenizer: encode() gives the raw ids
 * (no special tokens added; `special` says what the token stream adds), decode() keeps special
 * pieces; `cleanUpSpaces` (absent: the tokenizer config's own setting) joins " ." etc.
 */
export function wrapLibraryTokenizer(
  tokenizer: Tokenizer,
  info: { kind: TextTokenizer['kind']; vocabSize: number; special: SpecialTokenRule; description: string; what: string; cleanUpSpaces?: boolean },
): TextTokenizer {
  return {
    kind: info.kind,
    vocabSize: info.vocabSize,
    special: info.special,
    description: info.description,
    encode(text: string): number[] {
      const ids = tokenizer.encode(text, { add_special_tokens: false }).ids;
      // The JS port returns undefined for pieces it cannot map when the model has no unk token.
      for (let i = 0; i < ids.length; i++) {
        if (typeof ids[i] !== 'number') throw userFacing(`${info.what}: no id for a piece of the text at token ${i} (no unknown-token id)`);
      }
      return ids;
    },
    decode(ids: ArrayLike<number>): string {
      if (ids.length === 0) return '';
      return tokenizer.decode(Array.from(ids), {
        skip_special_tokens: false,
        ...(info.cleanUpSpaces === undefined ? {} : { clean_up_tokenization_spaces: info.cleanUpSpaces }),
      });
    },
  };
}
