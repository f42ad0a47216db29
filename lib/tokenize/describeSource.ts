/**
 * What a model's tokenizer is and which special tokens its token stream adds, from its
 * TokenizerSource alone — cheap (no tokenizer is built, no tokenizer library is imported), so the
 * page can say it before any worker runs. The tokenizers themselves take their `special` and
 * `description` from here, so the page, the CLI and the engine say the same thing.
 */
import { hfSpecialTokenRule } from './hfSpecial';
import type { GgufTokenizerSource, SpecialTokenRule, TokenizerSource } from './types';

export const GGUF_TOKENIZER_MODELS: Readonly<Record<string, string>> = { llama: 'SentencePiece', gpt2: 'byte-level BPE' };

/** 'adds BOS 1 at the start and EOS 2 at the end' / 'adds no special tokens'. */
export function describeSpecial(rule: SpecialTokenRule): string {
  const parts: string[] = [];
  if (rule.addBos) parts.push(`BOS ${rule.bosId} at the start`);
  if (rule.addEos) parts.push(`EOS ${rule.eosId} at the end`);
  return parts.length === 0 ? 'adds no special tokens' : `adds ${parts.join(' and ')}`;
}

/** Highest id in a tokenizer.json's model vocabulary and added tokens, + 1; and the model type. */
export function hfVocabInfo(json: Record<string, unknown>): { vocabSize: number; modelType: string } {
  const model = (json.model ?? {}) as { vocab?: unknown; type?: unknown };
  const vocab = model.vocab;
  const added = Array.isArray(json.added_tokens) ? (json.added_tokens as Array<{ id?: unknown }>) : [];
  let maxId = -1;
  if (Array.isArray(vocab)) maxId = vocab.length - 1;
  else if (vocab && typeof vocab === 'object')
    for (const v of Object.values(vocab as Record<string, unknown>)) if (typeof v === 'number') maxId = Math.max(maxId, v);
  for (const t of added) if (typeof t.id === 'number') maxId = Math.max(maxId, t.id);
  const modelType = typeof model.type === 'string' ? model.type : Array.isArray(vocab) ? 'Unigram' : 'BPE';
  return { vocabSize: maxId + 1, modelType };
}

/** The special-token rule of a source: which BOS/EOS the token stream adds (SPEC: token stream). */
export function specialTokenRuleOf(source: TokenizerSource): SpecialTokenRule {
  switch (source.kind) {
    case 'bytes':
      return { bosId: source.bos, eosId: source.eos, addBos: source.bos !== null, addEos: source.eos !== null };
    case 'hf-json':
      return hfSpecialTokenRule(source.json, source.config);
    case 'gguf':
      return { bosId: source.bosId, eosId: source.eosId, addBos: source.addBos, addEos: source.addEos };
    case 'none':
      return { bosId: null, eosId: null, addBos: false, addEos: false };
    default: {
      const unreachable: never = source;
      throw new Error(`unknown tokenizer source ${JSON.stringify(unreachable)}`);
    }
  }
}

/** BOS id the tokenizer adds at the start of a text, or null: what llama-perplexity scoring writes over each chunk. */
export function addedBosId(source: TokenizerSource): number | null {
  const rule = specialTokenRuleOf(source);
  return rule.addBos ? rule.bosId : null;
}

/** 'GGUF-embedded SentencePiece ("llama"), 512 tokens; adds BOS 1 at the start'. */
export function describeGgufSource(source: GgufTokenizerSource): string {
  const what = source.model === 'gpt2' ? `"gpt2", pre "${source.pre ?? 'default'}"` : `"${source.model}"`;
  const mergeNote = source.model === 'gpt2' ? `, ${source.merges?.length ?? 0} merges` : '';
  const kindName = GGUF_TOKENIZER_MODELS[source.model] ?? `unsupported model "${source.model.slice(0, 60)}"`;
  return `GGUF-embedded ${kindName} (${what}), ${source.tokens.length} tokens${mergeNote}; ${describeSpecial(specialTokenRuleOf(source))}`;
}

/** One line for the page and the CLI: the tokenizer and its special-token rule. */
export function describeTokenizerSource(source: TokenizerSource): string {
  switch (source.kind) {
    case 'bytes':
      return `UTF-8 bytes, 256 tokens; ${describeSpecial(specialTokenRuleOf(source))}`;
    case 'hf-json': {
      const { vocabSize, modelType } = hfVocabInfo(source.json);
      return `tokenizer.json (${modelType}), ${vocabSize} tokens; ${describeSpecial(specialTokenRuleOf(source))}`;
    }
    case 'gguf':
      return describeGgufSource(source);
    case 'none':
      return 'none found (no tokenizer.json, bandscope_tokenizer.json or GGUF-embedded tokenizer)';
    default: {
      const unreachable: never = source;
      return String(unreachable);
    }
  }
}

/** What `inspect` and reports say of a model's tokenizer: kind, vocabulary size, special-token rule, one line. */
export interface TokenizerSummary {
  kind: TokenizerSource['kind'];
  vocabSize: number | null;
  bosId: number | null;
  eosId: number | null;
  addBos: boolean;
  addEos: boolean;
  description: string;
}

export function summarizeTokenizerSource(source: TokenizerSource): TokenizerSummary {
  const vocabSize =
    source.kind === 'bytes' ? 256 : source.kind === 'hf-json' ? hfVocabInfo(source.json).vocabSize : source.kind === 'gguf' ? source.tokens.length : null;
  return { kind: source.kind, vocabSize, ...specialTokenRuleOf(source), description: describeTokenizerSource(source) };
}
