// Independent reference from llama.cpp itself (node-llama-cpp 3.21.1's prebuilt CPU build):
//   cd scripts/reference/llamacpp && npm ci && cd ../../.. &&
//   npx tsx scripts/reference/llamacpp/write-inputs.mts /tmp/bs-ref &&
//   node scripts/reference/llamacpp/reference.mjs /tmp/bs-ref [path/to/stories260K.gguf]
// Writes, in the project:
//   lib/tokenize/testing/llamacpp-bpe-ids.json — llama.cpp's ids for the BPE test GGUFs
//     (tokenize with special-token parsing off, BOS prepended as llama.cpp adds it);
//   lib/eval/testing/llamacpp-stories260k.json — when stories260K.gguf is given: llama.cpp's
//     per-position NLL (F32 KV cache, no flash attention) for two chunks of its sample text, so
//     Bandscope's `llama-perplexity` score can be checked against llama.cpp's logits.
import { getLlama } from 'node-llama-cpp';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const [inputs, stories] = process.argv.slice(2);
const llama = await getLlama({ gpu: false, build: 'never', logLevel: 'error' });

const texts = JSON.parse(readFileSync(join(inputs, 'bpe-texts.json'), 'utf8'));
const bpe = { llamaCpp: 'node-llama-cpp 3.21.1', texts, ids: {} };
for (const pre of ['default', 'gpt-2', 'llama-bpe', 'qwen2']) {
  const model = await llama.loadModel({ modelPath: join(inputs, `bpe-${pre}.gguf`), vocabOnly: true });
  bpe.ids[pre] = texts.map((t) => [model.tokens.bos, ...model.tokenize(t, false)]);
  await model.dispose();
}
writeFileSync(join(repo, 'lib/tokenize/testing/llamacpp-bpe-ids.json'), `${JSON.stringify(bpe)}\n`);
console.log('wrote lib/tokenize/testing/llamacpp-bpe-ids.json');

if (stories) {
  const contextTokens = 64;
  const model = await llama.loadModel({ modelPath: stories });
  const sample = readFileSync(join(dirname(stories), 'sample.txt'), 'utf8');
  const stream = [model.tokens.bos, ...model.tokenize(sample, false)];
  const context = await model.createContext({
    contextSize: 512,
    batchSize: 512,
    threads: 2,
    flashAttention: false,
    experimentalKvCacheKeyType: 'F32',
    experimentalKvCacheValueType: 'F32',
  });
  const seq = context.getSequence();
  const chunks = [];
  for (let c = 0; c + contextTokens <= stream.length && chunks.length < 2; c += contextTokens) {
    // llama-perplexity feeds each chunk with its first token replaced by BOS.
    const ids = stream.slice(c, c + contextTokens);
    ids[0] = model.tokens.bos;
    await seq.clearHistory();
    const out = await seq.controlledEvaluate(ids.map((t) => [t, { generateNext: { probabilities: true } }]));
    const nll = [];
    for (let p = 0; p < contextTokens - 1; p++) nll.push(-Math.log(out[p].next.probabilities.get(stream[c + p + 1])));
    chunks.push({ firstToken: c, nll });
  }
  mkdirSync(join(repo, 'lib/eval/testing'), { recursive: true });
  writeFileSync(
    join(repo, 'lib/eval/testing/llamacpp-stories260k.json'),
    `${JSON.stringify({ llamaCpp: 'node-llama-cpp 3.21.1', file: 'stories260K.gguf', text: 'stories260K/sample.txt', contextTokens, streamTokens: stream.length, chunks })}\n`,
  );
  console.log('wrote lib/eval/testing/llamacpp-stories260k.json');
}
