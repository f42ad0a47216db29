// Writes the files llama.cpp is asked about (run with the project's tsx):
//   npx tsx scripts/reference/llamacpp/write-inputs.mts <dir>
// <dir>/bpe-<pre>.gguf for every pre-tokenizer Bandscope supports, and <dir>/bpe-texts.json.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BPE_PRETOKENIZERS, BPE_SAMPLE_TEXTS, bpeTestGguf } from '../../../lib/tokenize/testing/bpeFixture';

const dir = process.argv[2];
if (!dir) throw new Error('usage: write-inputs.mts <dir>');
mkdirSync(dir, { recursive: true });
for (const pre of BPE_PRETOKENIZERS) writeFileSync(join(dir, `bpe-${pre}.gguf`), bpeTestGguf(pre));
writeFileSync(join(dir, 'bpe-texts.json'), JSON.stringify(BPE_SAMPLE_TEXTS));
console.log(`wrote ${BPE_PRETOKENIZERS.length} GGUFs and bpe-texts.json to ${dir}`);
