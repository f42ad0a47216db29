import { ModelFormatError } from '../model/errors';
import type { TextTokenizer } from './types';

/**
 * The token stream of a text (SPEC §4): the text encoded once by the model's tokenizer,
 * with its own special-token rule — one BOS at the very start when `special.addBos`, one
 * EOS at the very end when `special.addEos`, the raw ids between. Output: Int32Array of
 * token ids, length = raw ids + (addBos ? 1 : 0) + (addEos ? 1 : 0).
 */
export function encodeTokenStream(tokenizer: TextTokenizer, text: string): Int32Array {
  const { addBos, addEos, bosId, eosId } = tokenizer.special;
  if ((addBos && bosId === null) || (addEos && eosId === null)) {
    throw new ModelFormatError(`${tokenizer.description}: the rule adds ${addBos && bosId === null ? 'BOS' : 'EOS'} but names no id for it`);
  }
  const raw = tokenizer.encode(text);
  const out = new Int32Array(raw.length + (addBos ? 1 : 0) + (addEos ? 1 : 0));
  let at = 0;
  if (addBos) out[at++] = bosId!;
  out.set(raw, at);
  if (addEos) out[out.length - 1] = eosId!;
  return out;
}
