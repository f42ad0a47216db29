/**
 * One line naming the tokenizer a model brings and its special-token rule, from its
 * TokenizerSource alone (the page shows it before any worker has built the tokenizer).
 */
import type { TokenizerSource } from './types';

/** BOS id the model's tokenizer adds at the start of a text, or null (what llama-perplexity scoring writes over each chunk). */
export function addedBosId(source: TokenizerSource): number | null {
  return source.kind === 'bytes' ? source.bos : null;
}

export function describeTokenizerSource(source: TokenizerSource): string {
  switch (source.kind) {
    case 'bytes':
      return `byte-level (token id = UTF-8 byte, 256 ids); ${source.bos === null ? 'adds no BOS' : `adds BOS ${source.bos}`}`;
    case 'hf-json':
      return 'tokenizer.json (Hugging Face)';
    case 'gguf':
      return `GGUF-embedded "${source.model}" tokenizer, ${source.vocabSize} tokens`;
    case 'none':
      return 'none found';
    default: {
      const unreachable: never = source;
      return String(unreachable);
    }
  }
}
