/**
 * How a tokenizer turns a text into the one token stream the engine scores (SPEC §4 token
 * stream): `addBos` puts one `bosId` at the very start, `addEos` one `eosId` at the very end.
 * An id is null when the vocabulary has no such token.
 */
export interface SpecialTokenRule {
  bosId: number | null;
  eosId: number | null;
  addBos: boolean;
  addEos: boolean;
}

/** A tokenizer the engine can run: text ↔ token ids. */
export interface TextTokenizer {
  readonly kind: 'bytes' | 'hf-json' | 'gguf';
  readonly vocabSize: number;
  /** How the text becomes one token stream (SPEC §4 token stream). */
  readonly special: SpecialTokenRule;
  /** One line for the page and the CLI, e.g. 'GGUF-embedded SentencePiece ("llama"), 512 tokens; adds BOS 1 at the start'. */
  readonly description: string;
  /** Raw ids of the text: no special tokens added. */
  encode(text: string): number[];
  decode(ids: ArrayLike<number>): string;
}

/**
 * A tokenizer embedded in a GGUF file (`tokenizer.ggml.*` metadata), checked for shape by
 * ggufTokenizerSource. The arrays are the GGUF parser's own (not copied); index = token id.
 */
export interface GgufTokenizerSource {
  kind: 'gguf';
  /** `tokenizer.ggml.model`: "llama" (SentencePiece) or "gpt2" (byte-level BPE) run; others are refused when built. */
  model: string;
  /** `tokenizer.ggml.pre` (byte-level BPE pre-tokenizer name); null when absent. */
  pre: string | null;
  /** `tokenizer.ggml.tokens`: the piece of each id (empty pieces already renamed `[EMPTY_i]` as llama.cpp does). */
  tokens: readonly string[];
  /** `tokenizer.ggml.scores` (same length as tokens), null when absent (llama.cpp: all 0). */
  scores: readonly number[] | null;
  /** `tokenizer.ggml.token_type` (llama.cpp codes: 1 normal, 2 unknown, 3 control, 4 user-defined, 5 unused, 6 byte), null when absent. */
  tokenTypes: readonly number[] | null;
  /** `tokenizer.ggml.merges` ("left right", rank = index), null when absent. */
  merges: readonly string[] | null;
  bosId: number | null;
  eosId: number | null;
  unkId: number | null;
  /** `tokenizer.ggml.add_bos_token` / `add_eos_token`, or llama.cpp's default for the model. */
  addBos: boolean;
  addEos: boolean;
  /** `tokenizer.ggml.add_space_prefix` (SentencePiece "▁" before the text), default true for "llama". */
  addSpacePrefix: boolean;
}

/** Where a model's tokenizer comes from, as found by openModel. */
export type TokenizerSource =
  | { kind: 'bytes'; vocabSize: 256; bos: number | null; eos: number | null }
  | { kind: 'hf-json'; json: Record<string, unknown>; config?: Record<string, unknown> }
  | GgufTokenizerSource
  | { kind: 'none' };
