/**
 * One line naming the tokenizer a model brings and its special-token rule, from its
 * TokenizerSource alone (the page shows it before any worker has built the tokenizer).
 */
import type { TokenizerSource } from './types';

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
