import { ModelFormatError } from '../model/errors';
import type { GgufValue } from '../model/gguf';
import type { GgufTokenizerSource } from './types';

/** More tokens than this is not a tokenizer (the largest real vocabularies are ~260k). */
export const GGUF_MAX_VOCAB_TOKENS = 1 << 22;

/** GGUF's conventional "no token" value for an id key (uint32 −1). */
const NO_TOKEN = 0xffffffff;

/** llama.cpp's defaults when a key is absent (llama-vocab.cpp, load()). */
const DEFAULTS: Record<
  string,
  { bosId: number | null; eosId: number | null; unkId: number | null; addBos: boolean; addEos: boolean; addSpacePrefix: boolean }
> = {
  llama: { bosId: 1, eosId: 2, unkId: 0, addBos: true, addEos: false, addSpacePrefix: true },
  gpt2: { bosId: 11, eosId: 11, unkId: null, addBos: false, addEos: false, addSpacePrefix: false },
};
/** Byte-level BPE pre-tokenizers for which llama.cpp turns add_bos on by default. */
const BPE_PRE_ADDS_BOS = new Set(['llama3', 'llama-v3', 'llama-bpe', 'falcon3']);

const fail = (message: string): never => {
  throw new ModelFormatError(`GGUF tokenizer metadata: ${message}`);
};

function describeValue(v: GgufValue): string {
  if (Array.isArray(v)) return `an array of ${v.length}`;
  if (typeof v === 'string') return `the string "${v.length > 40 ? `${v.slice(0, 40)}…` : v}"`;
  return `${typeof v} ${String(v)}`;
}

function optionalArray(meta: Record<string, GgufValue>, key: string, tokenCount: number, check: (v: GgufValue) => boolean, what: string): GgufValue[] | null {
  const v = meta[key];
  if (v === undefined) return null;
  if (!Array.isArray(v)) return fail(`"${key}" must be an array, got ${describeValue(v)}`);
  if (v.length !== tokenCount) return fail(`"${key}" has ${v.length} entries but "tokenizer.ggml.tokens" has ${tokenCount}; they must match one per token`);
  for (let i = 0; i < v.length; i++) if (!check(v[i])) fail(`"${key}"[${i}] is ${describeValue(v[i])}, expected ${what}`);
  return v;
}

function optionalBool(meta: Record<string, GgufValue>, key: string, fallback: boolean): boolean {
  const v = meta[key];
  if (v === undefined) return fallback;
  if (typeof v !== 'boolean') return fail(`"${key}" must be a boolean, got ${describeValue(v)}`);
  return v;
}

function optionalId(meta: Record<string, GgufValue>, key: string, fallback: number | null, tokenCount: number): number | null {
  const v = meta[key];
  if (v === undefined || v === NO_TOKEN || v === -1) return fallback !== null && fallback < tokenCount ? fallback : null;
  if (typeof v !== 'number' || !Number.isInteger(v)) return fail(`"${key}" must be an integer token id, got ${describeValue(v)}`);
  if (v < 0 || v >= tokenCount) return fail(`"${key}" = ${v} is outside the vocabulary of ${tokenCount} tokens (ids 0…${tokenCount - 1})`);
  return v;
}

/**
 * The embedded tokenizer of a GGUF file, checked for shape: token count within
 * GGUF_MAX_VOCAB_TOKENS and ≤ `embeddingRows` (rows of token_embd, the ids the model can
 * take), every token a string, scores/token types one number per token, merges strings,
 * BOS/EOS/UNK ids inside the vocabulary, flags booleans. Returns undefined when the file has
 * no `tokenizer.ggml.model`. Whether the model/pre-tokenizer can be run, and the merges'
 * content, are checked when the tokenizer is built (createGgufTokenizer), so that opening a
 * file for its weights stays cheap. Arrays are returned as the parser made them.
 */
export function ggufTokenizerSource(meta: Record<string, GgufValue>, embeddingRows: number): GgufTokenizerSource | undefined {
  const model = meta['tokenizer.ggml.model'];
  if (model === undefined) return undefined;
  if (typeof model !== 'string') return fail(`"tokenizer.ggml.model" must be a string, got ${describeValue(model)}`);
  const preValue = meta['tokenizer.ggml.pre'];
  if (preValue !== undefined && typeof preValue !== 'string') fail(`"tokenizer.ggml.pre" must be a string, got ${describeValue(preValue)}`);
  const pre = typeof preValue === 'string' ? preValue : null;
  const tokensValue = meta['tokenizer.ggml.tokens'];
  if (tokensValue === undefined) return fail('"tokenizer.ggml.model" is set but "tokenizer.ggml.tokens" is missing');
  if (!Array.isArray(tokensValue)) return fail(`"tokenizer.ggml.tokens" must be an array of strings, got ${describeValue(tokensValue)}`);
  const n = tokensValue.length;
  if (n === 0) fail('"tokenizer.ggml.tokens" is empty');
  if (n > GGUF_MAX_VOCAB_TOKENS) fail(`"tokenizer.ggml.tokens" has ${n} tokens, more than the ${GGUF_MAX_VOCAB_TOKENS} any real vocabulary has`);
  if (n > embeddingRows)
    fail(
      `the vocabulary has ${n} tokens but the embedding (token_embd) has only ${embeddingRows} rows, so ids ≥ ${embeddingRows} could not be fed to the model`,
    );
  let tokens = tokensValue as string[];
  for (let i = 0; i < n; i++) {
    const t = tokensValue[i];
    if (typeof t !== 'string') fail(`"tokenizer.ggml.tokens"[${i}] is ${describeValue(t)}, not a string`);
    // llama.cpp renames empty pieces so that every piece is a distinct, non-empty key.
    if (t === '') {
      if (tokens === tokensValue) tokens = tokensValue.slice() as string[];
      tokens[i] = `[EMPTY_${i}]`;
    }
  }
  const scores = optionalArray(meta, 'tokenizer.ggml.scores', n, (v) => typeof v === 'number' && !Number.isNaN(v), 'a number (not NaN)') as number[] | null;
  const tokenTypes = optionalArray(meta, 'tokenizer.ggml.token_type', n, (v) => typeof v === 'number' && Number.isInteger(v), 'an integer token type') as
    number[] | null;
  const mergesValue = meta['tokenizer.ggml.merges'];
  let merges: string[] | null = null;
  if (mergesValue !== undefined) {
    if (!Array.isArray(mergesValue)) fail(`"tokenizer.ggml.merges" must be an array of strings, got ${describeValue(mergesValue)}`);
    const m = mergesValue as GgufValue[];
    for (let i = 0; i < m.length; i++) if (typeof m[i] !== 'string') fail(`"tokenizer.ggml.merges"[${i}] is ${describeValue(m[i])}, not a string`);
    merges = m as string[];
  }
  const d = DEFAULTS[model] ?? { bosId: null, eosId: null, unkId: null, addBos: false, addEos: false, addSpacePrefix: false };
  const bosId = optionalId(meta, 'tokenizer.ggml.bos_token_id', d.bosId, n);
  const eosId = optionalId(meta, 'tokenizer.ggml.eos_token_id', d.eosId, n);
  const unkId = optionalId(meta, 'tokenizer.ggml.unknown_token_id', d.unkId, n);
  const addBos = optionalBool(meta, 'tokenizer.ggml.add_bos_token', d.addBos || (model === 'gpt2' && pre !== null && BPE_PRE_ADDS_BOS.has(pre)));
  const addEos = optionalBool(meta, 'tokenizer.ggml.add_eos_token', d.addEos);
  const addSpacePrefix = optionalBool(meta, 'tokenizer.ggml.add_space_prefix', d.addSpacePrefix);
  if (addBos && bosId === null) fail(`the tokenizer adds a BOS token but has none (no "tokenizer.ggml.bos_token_id" inside the ${n}-token vocabulary)`);
  if (addEos && eosId === null) fail(`the tokenizer adds an EOS token but has none (no "tokenizer.ggml.eos_token_id" inside the ${n}-token vocabulary)`);
  return { kind: 'gguf', model, pre, tokens, scores, tokenTypes, merges, bosId, eosId, unkId, addBos, addEos, addSpacePrefix };
}
