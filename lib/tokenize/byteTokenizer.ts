import { describeSpecial } from './describeSource';
import type { SpecialTokenRule, TextTokenizer } from './types';

/**
 * The built-in model's tokenizer: token id = UTF-8 byte value (0…255). decode() turns
 * invalid UTF-8 (a sequence cut mid-character) into U+FFFD rather than throwing. `ids` are
 * bandscope_tokenizer.json's bos/eos: a non-null id is added to the token stream (the
 * built-in model's description says null for both, so it adds none).
 */
export function createByteTokenizer(ids: { bos: number | null; eos: number | null } = { bos: null, eos: null }): TextTokenizer {
  const encoder = new TextEncoder();
  const decoder = new TextDecoder('utf-8');
  const special: SpecialTokenRule = { bosId: ids.bos, eosId: ids.eos, addBos: ids.bos !== null, addEos: ids.eos !== null };
  return {
    kind: 'bytes',
    vocabSize: 256,
    special,
    description: `UTF-8 bytes, 256 tokens; ${describeSpecial(special)}`,
    encode(text: string): number[] {
      return Array.from(encoder.encode(text));
    },
    decode(ids: ArrayLike<number>): string {
      const bytes = new Uint8Array(ids.length);
      for (let i = 0; i < ids.length; i++) {
        const id = ids[i];
        if (!Number.isInteger(id) || id < 0 || id > 255) throw new Error(`byte tokenizer: id ${id} at position ${i} is outside 0…255`);
        bytes[i] = id;
      }
      return decoder.decode(bytes);
    },
  };
}

/**
 * Parses a `bandscope_tokenizer.json` description: `{ "type": "bytes", "vocab_size": 256,
 * "bos": null, "eos": null }`. Returns undefined when the JSON is not such a description.
 */
export function parseBandscopeTokenizer(json: unknown): { kind: 'bytes'; vocabSize: 256; bos: number | null; eos: number | null } | undefined {
  if (json === null || typeof json !== 'object') return undefined;
  const j = json as Record<string, unknown>;
  if (j.type !== 'bytes' || j.vocab_size !== 256) return undefined;
  const id = (v: unknown): number | null => (typeof v === 'number' && Number.isInteger(v) && v >= 0 && v < 256 ? v : null);
  return { kind: 'bytes', vocabSize: 256, bos: id(j.bos), eos: id(j.eos) };
}
