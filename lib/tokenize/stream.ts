import { ModelFormatError } from '../model/errors';
import { specialTokenRuleOf } from './describeSource';
import { createTokenizer } from './hfTokenizer';
import type { TextTokenizer, TokenizerSource } from './types';

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

/**
 * The token stream of a text given as bytes, for a model whose tokenizer source is `source`:
 * byte-level models (a bytes source, or no tokenizer and a 256-token vocabulary) read token id =
 * byte, the UTF-8 bytes as they are (no decode/re-encode, so a file that is not valid UTF-8 keeps
 * its bytes), with the source's BOS/EOS rule; every other model goes through its tokenizer.
 * Throws ModelFormatError when no tokenizer can be built.
 */
export function tokenStreamOfBytes(source: TokenizerSource, vocabSize: number, bytes: Uint8Array): Int32Array {
  if (source.kind === 'bytes' || (source.kind === 'none' && vocabSize === 256)) {
    const { addBos, addEos, bosId, eosId } = specialTokenRuleOf(source);
    const out = new Int32Array(bytes.length + (addBos ? 1 : 0) + (addEos ? 1 : 0));
    if (addBos) out[0] = bosId!;
    out.set(bytes, addBos ? 1 : 0);
    if (addEos) out[out.length - 1] = eosId!;
    return out;
  }
  return encodeTokenStream(createTokenizer(source), new TextDecoder().decode(bytes));
}
