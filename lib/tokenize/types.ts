/** A tokenizer the engine can run: text ↔ token ids. */
export interface TextTokenizer {
  readonly kind: 'bytes' | 'hf-json';
  readonly vocabSize: number;
  encode(text: string): number[];
  decode(ids: ArrayLike<number>): string;
}

/** Where a model's tokenizer comes from, as found by openModel. */
export type TokenizerSource =
  | { kind: 'bytes'; vocabSize: 256; bos: number | null; eos: number | null }
  | { kind: 'hf-json'; json: Record<string, unknown>; config?: Record<string, unknown> }
  | { kind: 'gguf'; model: string; vocabSize: number }
  | { kind: 'none' };
