'use client';
/**
 * Token ids of the evaluation text, through the model's own tokenizer (lib/tokenize
 * createTokenizer: byte-level, or a HF tokenizer.json / GGUF-embedded tokenizer run in the engine
 * worker; unsupported GGUF tokenizers are refused there with a clear message). Byte models: ids =
 * UTF-8 bytes (vocab 256).
 */
import { useQuery } from '@tanstack/react-query';
import { createTokenizer } from '@/lib/tokenize/hfTokenizer';
import { tokenStreamOfBytes } from '@/lib/tokenize/stream';
import type { TokenizerSource } from '@/lib/tokenize/types';
import { getEngineClient } from './engineClient';

export type TextPart = 'dev' | 'test';

const bundledTexts = new Map<TextPart, Promise<Uint8Array>>();

/**
 * The bytes of a bundled text part, fetched once per page (hooks/earlyStart asks for both parts
 * while the page's scripts still run). Not tied to one query's signal: every query shares it.
 */
export function bundledTextBytes(part: TextPart): Promise<Uint8Array> {
  let bytes = bundledTexts.get(part);
  if (!bytes) {
    bytes = fetch(`/text/brown-${part}.txt`).then(async (res) => {
      if (!res.ok) throw new Error(`/text/brown-${part}.txt: HTTP ${res.status}`);
      return new Uint8Array(await res.arrayBuffer());
    });
    bundledTexts.set(part, bytes);
    // A failed fetch is retried by the next call, not remembered.
    const fetched = bytes;
    fetched.catch(() => {
      if (bundledTexts.get(part) === fetched) bundledTexts.delete(part);
    });
  }
  return bytes;
}

/** The tokenizer to use and a stable cache key for it (e.g. the model id). */
export interface TokensModel {
  key: string;
  tokenizer: TokenizerSource;
}

/**
 * `vocabSize` alone (older callers) means a byte-level model; pass `model` (from useModelInfo:
 * `{ key: info.id, tokenizer: info.tokenizer }`) for any other tokenizer.
 */
export function useTokens(text: 'brown' | 'user', part: TextPart, userText: File | null, vocabSize: number | undefined, model?: TokensModel) {
  return useQuery({
    queryKey: ['tokens', text, part, userText ? `${userText.name}:${userText.size}:${userText.lastModified}` : null, vocabSize, model?.key ?? null],
    enabled: vocabSize !== undefined,
    retry: false,
    queryFn: async ({ signal }): Promise<Int32Array> => {
      const source: TokenizerSource | null = model?.tokenizer ?? (vocabSize === 256 ? { kind: 'bytes', vocabSize: 256, bos: null, eos: null } : null);
      if (source === null) throw new Error(`this model has a ${vocabSize}-token vocabulary and no tokenizer was passed; open it with its tokenizer.json`);
      const byteIds = source.kind === 'bytes' || (source.kind === 'none' && vocabSize === 256);
      // Fail fast on a model without a tokenizer before reading the text (the others are built in the worker).
      if (!byteIds && source.kind === 'none') createTokenizer(source);
      let bytes: Uint8Array;
      if (text === 'user') {
        if (!userText) throw new Error('no text file is open; use “Open text file…” or switch back to the bundled text');
        bytes = new Uint8Array(await userText.arrayBuffer());
      } else {
        bytes = await bundledTextBytes(part);
        signal.throwIfAborted();
      }
      // Byte ids are the file's bytes as they are, with the source's BOS/EOS rule.
      if (byteIds) return tokenStreamOfBytes(source, 256, bytes);
      // A HF tokenizer over a few hundred KB of text can block far beyond 100 ms: run it in the engine worker.
      const ids = await getEngineClient().tokenize(source, new TextDecoder().decode(bytes), { signal });
      const bad = ids.findIndex((id) => id < 0 || id >= (vocabSize ?? Infinity));
      if (bad >= 0) throw new Error(`the tokenizer produced id ${ids[bad]} at position ${bad}, outside the model's ${vocabSize}-token vocabulary`);
      return ids;
    },
  });
}
