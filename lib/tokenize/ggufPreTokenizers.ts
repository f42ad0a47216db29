import { ModelFormatError } from '../model/errors';

/*
 * llama.cpp's byte-level BPE pre-tokenizer regexes (src/llama-vocab.cpp, llm_tokenizer_bpe),
 * as JavaScript `u`-flag sources. llama.cpp already rewrote the tokenizer.json originals'
 * `(?i:'s|'t|…)` (an inline flag V8 in Node 20 cannot parse) to explicit `'[sS]|'[tT]|…`;
 * that rewrite is what it runs and what is used here. A list of several regexes is applied
 * one after another, each splitting the pieces the previous left, keeping the text between
 * matches as pieces of its own (HF Split, behavior "Isolated").
 */
const CONTRACTIONS_ANY_CASE = "(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])";
export const GPT2_REGEX = "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)";
export const LLAMA3_REGEX = `${CONTRACTIONS_ANY_CASE}|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+`;
export const QWEN2_REGEX = `${CONTRACTIONS_ANY_CASE}|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+`;
/** llama.cpp's "default" (also used when tokenizer.ggml.pre is absent): four regexes in turn. */
export const DEFAULT_REGEXES = ['[\\p{P}\\$\\+<=>\\^~\\|]+', GPT2_REGEX, '\\p{N}+', '[0-9][0-9][0-9]'];

export interface GgufBpePreTokenizer {
  /** Regex sources (JS, `u` flag) applied in turn. */
  regexes: readonly string[];
  /** llama.cpp `ignore_merges`: a whole pre-token that is itself a vocabulary entry is taken as is. */
  ignoreMerges: boolean;
}

const DEFAULT: GgufBpePreTokenizer = { regexes: DEFAULT_REGEXES, ignoreMerges: false };
const GPT2: GgufBpePreTokenizer = { regexes: [GPT2_REGEX], ignoreMerges: false };
const LLAMA3: GgufBpePreTokenizer = { regexes: [LLAMA3_REGEX], ignoreMerges: true };
const LLAMA3_MERGING: GgufBpePreTokenizer = { regexes: [LLAMA3_REGEX], ignoreMerges: false };
const QWEN2: GgufBpePreTokenizer = { regexes: [QWEN2_REGEX], ignoreMerges: false };

/** `tokenizer.ggml.pre` values run here → llama.cpp's pre-tokenizer type for them. */
export const GGUF_BPE_PRE_TOKENIZERS: Readonly<Record<string, GgufBpePreTokenizer>> = {
  default: DEFAULT,
  'gpt-2': GPT2,
  'phi-2': GPT2,
  'roberta-bpe': GPT2,
  mpt: GPT2,
  olmo: GPT2,
  llama3: LLAMA3,
  'llama-v3': LLAMA3,
  'llama-bpe': LLAMA3,
  falcon3: LLAMA3,
  dbrx: LLAMA3_MERGING,
  'smaug-bpe': LLAMA3_MERGING,
  qwen2: QWEN2,
  stablelm2: QWEN2,
  megrez: QWEN2,
};

/** The pre-tokenizer for a `tokenizer.ggml.pre` value (null = absent → "default", as llama.cpp). */
export function ggufBpePreTokenizer(pre: string | null): GgufBpePreTokenizer {
  if (pre === null) return DEFAULT;
  const found = Object.hasOwn(GGUF_BPE_PRE_TOKENIZERS, pre) ? GGUF_BPE_PRE_TOKENIZERS[pre] : undefined;
  if (!found) {
    throw new ModelFormatError(
      `GGUF tokenizer: pre-tokenizer "${pre.slice(0, 60)}" (tokenizer.ggml.pre) is not supported; supported: ${Object.keys(GGUF_BPE_PRE_TOKENIZERS).join(', ')}. Give the model's tokenizer.json beside the .gguf file instead`,
    );
  }
  return found;
}

/** The tokenizer.json `pre_tokenizer` object: the regex splits, then GPT-2's byte-to-unicode mapping. */
export function bpePreTokenizerJson(pre: GgufBpePreTokenizer): Record<string, unknown> {
  return {
    type: 'Sequence',
    pretokenizers: [
      ...pre.regexes.map((regex) => ({ type: 'Split', pattern: { Regex: regex }, behavior: 'Isolated', invert: false })),
      { type: 'ByteLevel', add_prefix_space: false, trim_offsets: false, use_regex: false },
    ],
  };
}
