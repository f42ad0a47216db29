import type { GgufWriteValue } from '../../model/testing/ggufWriter';

/** Test-only: tokenizer.ggml.* metadata for tinyGguf (≤ 32 tokens, its embedding rows). */
export function ggufTokenizerMeta(options: {
  model: string;
  tokens: string[];
  scores?: number[];
  types?: number[];
  merges?: string[];
  extra?: Record<string, GgufWriteValue>;
}): Record<string, GgufWriteValue> {
  return {
    'tokenizer.ggml.model': options.model,
    'tokenizer.ggml.tokens': { type: 'array', elementType: 'string', value: options.tokens },
    ...(options.scores ? { 'tokenizer.ggml.scores': { type: 'array', elementType: 'f32', value: options.scores } } : {}),
    ...(options.types ? { 'tokenizer.ggml.token_type': { type: 'array', elementType: 'i32', value: options.types } } : {}),
    ...(options.merges ? { 'tokenizer.ggml.merges': { type: 'array', elementType: 'string', value: options.merges } } : {}),
    ...options.extra,
  };
}

/**
 * A hand-made SentencePiece vocabulary: [piece, score, type]. Scores were chosen so that each
 * test text has one merge order worked out by hand (see ggufTokenizer.test.ts).
 */
export const SPM_VOCAB: Array<[string, number, number]> = [
  ['<unk>', 0, 2],
  ['<s>', 0, 3],
  ['</s>', 0, 3],
  ['<0xC3>', 0, 6],
  ['<0xA9>', 0, 6],
  ['▁', -10, 1],
  ['a', -11, 1],
  ['b', -12, 1],
  ['c', -13, 1],
  ['x', -14, 1],
  ['y', -15, 1],
  ['z', -16, 1],
  ['ab', -1, 1], // 12
  ['bc', -2, 1], // 13
  ['▁a', -3, 1], // 14
  ['abc', -4, 1], // 15
  ['▁x', -0.5, 1], // 16
  ['yz', -6, 1], // 17: ties with xy, lower id
  ['xy', -6, 1], // 18
  ['éz', -7, 1], // 19: 'é' itself is not a piece
  ['<sep>', 0, 4], // 20: user-defined
  ['▁▁', -20, 1], // 21
];

/** A hand-made byte-level BPE: pieces (id = index) and merges (rank = index). */
export const BPE_TOKENS = [
  'h',
  'e',
  'l',
  'o',
  'Ġ',
  'w',
  'r',
  'd',
  'he',
  'll',
  'hell',
  'hello',
  'Ġw',
  'or',
  'Ġwor',
  'ld',
  '<|bos|>',
  'lo',
  'hel',
  '1',
  '2',
  '3',
  '12',
  '123',
];
export const BPE_MERGES = ['h e', 'l l', 'he ll', 'hell o', 'Ġ w', 'o r', 'Ġw or', 'l d', 'l o', '1 2', '12 3'];
