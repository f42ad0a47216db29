import { ModelFormatError } from '../model/errors';
import { bpePreTokenizerJson, ggufBpePreTokenizer } from './ggufPreTokenizers';
import { GGUF_TOKENIZER_MODELS } from './describeSource';
import type { GgufTokenizerSource } from './types';

/** llama.cpp token types (llama.h, llama_token_type). */
export const GGUF_TOKEN_TYPE = { undefined: 0, normal: 1, unknown: 2, control: 3, userDefined: 4, unused: 5, byte: 6 } as const;

export interface GgufTokenizerJson {
  /** A tokenizer.json object for @huggingface/tokenizers. */
  json: Record<string, unknown>;
  /** For each merge rank r (index into json.model.merges): the rank to run it at. Ties share the first rank of their group. */
  tiedRanks: Int32Array | null;
  mergeCount: number;
}

const fail = (message: string): never => {
  throw new ModelFormatError(`GGUF tokenizer: ${message}`);
};

const show = (s: string): string => JSON.stringify(s.length > 40 ? `${s.slice(0, 40)}…` : s);

/** token → id, refusing a piece that appears twice (llama.cpp asserts the same). */
function tokenIds(tokens: readonly string[]): { vocab: Record<string, number>; ids: Map<string, number> } {
  const ids = new Map<string, number>();
  // Null prototype: a piece such as "__proto__" must stay an ordinary key.
  const vocab = Object.create(null) as Record<string, number>;
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    const seen = ids.get(t);
    if (seen !== undefined) fail(`token ${i} ${show(t)} repeats token ${seen}; every piece of tokenizer.ggml.tokens must be distinct`);
    ids.set(t, i);
    vocab[t] = i;
  }
  return { vocab, ids };
}

/**
 * Control, unknown and user-defined pieces are matched in the raw text before the model runs,
 * as llama.cpp's tokenizer_st_partition does with its default parse_special.
 */
function addedTokens(source: GgufTokenizerSource): Array<Record<string, unknown>> {
  const out: Array<Record<string, unknown>> = [];
  const types = source.tokenTypes;
  if (!types) return out;
  for (let id = 0; id < types.length; id++) {
    const t = types[id];
    if (t !== GGUF_TOKEN_TYPE.control && t !== GGUF_TOKEN_TYPE.unknown && t !== GGUF_TOKEN_TYPE.userDefined) continue;
    out.push({
      id,
      content: source.tokens[id],
      single_word: false,
      lstrip: false,
      rstrip: false,
      normalized: false,
      special: t !== GGUF_TOKEN_TYPE.userDefined,
    });
  }
  return out;
}

/**
 * SentencePiece as llama.cpp runs it (llm_tokenizer_spm): start from the text's characters,
 * repeatedly join the adjacent pair whose joined piece is in the vocabulary with the highest
 * score (leftmost on ties); characters left over become <0xNN> byte pieces. As a BPE model:
 * a merge (l, r) for every piece l+r whose halves can occur as symbols (a vocabulary piece
 * or one character), ranked by the joined piece's score, highest first. Unlike HF's
 * SentencePiece converter (which asks both halves to be pieces) single characters outside
 * the vocabulary may merge too, as they do in llama.cpp. Equal scores form one rank group
 * (`tiedRanks`), so that position alone decides between them, as in llama.cpp.
 */
function sentencePieceJson(source: GgufTokenizerSource): GgufTokenizerJson {
  const { tokens, scores } = source;
  const { vocab, ids } = tokenIds(tokens);
  const candidates: Array<{ l: string; r: string; score: number; id: number }> = [];
  for (let id = 0; id < tokens.length; id++) {
    const piece = tokens[id];
    const chars = Array.from(piece);
    if (chars.length < 2) continue;
    let left = '';
    let leftLength = 0;
    for (let k = 1; k < chars.length; k++) {
      left += chars[k - 1];
      leftLength += chars[k - 1].length;
      const right = piece.slice(leftLength);
      if ((k === 1 || ids.has(left)) && (k === chars.length - 1 || ids.has(right))) candidates.push({ l: left, r: right, score: scores ? scores[id] : 0, id });
    }
  }
  // Stable: equal scores keep id order (then split position).
  candidates.sort((a, b) => (b.score > a.score ? 1 : b.score < a.score ? -1 : 0));
  const merges = candidates.map((c) => [c.l, c.r]);
  let tiedRanks: Int32Array | null = null;
  for (let i = 1; i < candidates.length; i++) {
    if (candidates[i].score === candidates[i - 1].score) {
      tiedRanks ??= Int32Array.from({ length: candidates.length }, (_, j) => j);
      tiedRanks[i] = tiedRanks[i - 1];
    }
  }
  const unk = source.unkId === null ? null : tokens[source.unkId];
  const normalizeSpaces = { type: 'Replace', pattern: { String: ' ' }, content: '▁' };
  const decoders: Array<Record<string, unknown>> = [{ type: 'Replace', pattern: { String: '▁' }, content: ' ' }, { type: 'ByteFallback' }, { type: 'Fuse' }];
  if (source.addSpacePrefix) decoders.push({ type: 'Strip', content: ' ', start: 1, stop: 0 });
  return {
    json: {
      version: '1.0',
      truncation: null,
      padding: null,
      added_tokens: addedTokens(source),
      // llama.cpp: a space before each run of text (at the start and after a special piece), spaces as ▁.
      normalizer: source.addSpacePrefix ? { type: 'Sequence', normalizers: [{ type: 'Prepend', prepend: '▁' }, normalizeSpaces] } : normalizeSpaces,
      pre_tokenizer: null,
      post_processor: null,
      decoder: { type: 'Sequence', decoders },
      model: {
        type: 'BPE',
        vocab,
        merges,
        unk_token: unk,
        dropout: null,
        continuing_subword_prefix: null,
        end_of_word_suffix: null,
        fuse_unk: true,
        byte_fallback: true,
        ignore_merges: false,
      },
    },
    tiedRanks,
    mergeCount: merges.length,
  };
}

/** Byte-level BPE (llm_tokenizer_bpe): merges as given, each "left right" naming vocabulary pieces. */
function byteLevelJson(source: GgufTokenizerSource): GgufTokenizerJson {
  const pre = ggufBpePreTokenizer(source.pre);
  const raw = source.merges;
  if (raw === null) fail('a "gpt2" (byte-level BPE) tokenizer needs tokenizer.ggml.merges, and the file has none');
  const { vocab, ids } = tokenIds(source.tokens);
  const merges: string[][] = new Array<string[]>(raw!.length);
  for (let i = 0; i < raw!.length; i++) {
    const m = raw![i];
    // As llama.cpp: the separator is the first space after the first character.
    const pos = m.indexOf(' ', 1);
    if (pos < 0) fail(`merge ${i} ${show(m)} is not "left right" (no space separating two pieces)`);
    const l = m.slice(0, pos);
    const r = m.slice(pos + 1);
    if (!ids.has(l) || !ids.has(r))
      fail(`merge ${i} ${show(m)} names ${show(ids.has(l) ? r : l)}, which is not in the ${source.tokens.length}-token vocabulary`);
    if (!ids.has(l + r)) fail(`merge ${i} ${show(m)} makes ${show(l + r)}, which is not in the ${source.tokens.length}-token vocabulary`);
    merges[i] = [l, r];
  }
  return {
    json: {
      version: '1.0',
      truncation: null,
      padding: null,
      added_tokens: addedTokens(source),
      normalizer: null,
      pre_tokenizer: bpePreTokenizerJson(pre),
      post_processor: null,
      decoder: { type: 'ByteLevel', add_prefix_space: false, trim_offsets: false, use_regex: false },
      model: {
        type: 'BPE',
        vocab,
        merges,
        unk_token: source.unkId === null ? null : source.tokens[source.unkId],
        dropout: null,
        continuing_subword_prefix: null,
        end_of_word_suffix: null,
        fuse_unk: false,
        byte_fallback: false,
        ignore_merges: pre.ignoreMerges,
      },
    },
    tiedRanks: null,
    mergeCount: merges.length,
  };
}

/**
 * The tokenizer.json equivalent of a GGUF-embedded tokenizer ("llama" SentencePiece or
 * "gpt2" byte-level BPE with a supported tokenizer.ggml.pre). Throws ModelFormatError for
 * other models/pre-tokenizers, repeated pieces and merges that are malformed or name
 * pieces outside the vocabulary.
 */
export function ggufTokenizerJson(source: GgufTokenizerSource): GgufTokenizerJson {
  if (source.model === 'llama') return sentencePieceJson(source);
  if (source.model === 'gpt2') return byteLevelJson(source);
  return fail(
    `tokenizer model "${source.model.slice(0, 60)}" (tokenizer.ggml.model) is not supported; supported: ${Object.entries(GGUF_TOKENIZER_MODELS)
      .map(([k, v]) => `"${k}" (${v})`)
      .join(', ')}. Give the model's tokenizer.json beside the .gguf file instead`,
  );
}
