'use client';
/** Token ids of the evaluation text. The built-in model is byte-level: ids = UTF-8 bytes (vocab 256). */
import { useQuery } from '@tanstack/react-query';

export type TextPart = 'dev' | 'test';

export function useTokens(text: 'brown' | 'user', part: TextPart, userText: File | null, vocabSize: number | undefined) {
  return useQuery({
    queryKey: ['tokens', text, part, userText ? `${userText.name}:${userText.size}:${userText.lastModified}` : null, vocabSize],
    enabled: vocabSize !== undefined,
    queryFn: async ({ signal }): Promise<Int32Array> => {
      if (vocabSize !== 256) throw new Error(`this model has a ${vocabSize}-token vocabulary; the dashboard tokenizes bytes only (vocab 256) — a tokenizer.json path is not wired in yet`);
      let bytes: Uint8Array;
      if (text === 'user') {
        if (!userText) throw new Error('no text file is open; use “Open text file…” or switch back to the bundled text');
        bytes = new Uint8Array(await userText.arrayBuffer());
      } else {
        const res = await fetch(`/text/brown-${part}.txt`, { signal });
        if (!res.ok) throw new Error(`/text/brown-${part}.txt: HTTP ${res.status}`);
        bytes = new Uint8Array(await res.arrayBuffer());
      }
      return Int32Array.from(bytes);
    },
  });
}
