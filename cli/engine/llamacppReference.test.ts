// Bandscope's engine and its llama-perplexity score against llama.cpp itself, on a real model
// nobody here trained (stories260K, the team's ../shared/fixtures; skipped when absent): llama.cpp
// (node-llama-cpp 3.21.1, F32 KV cache; scripts/reference/llamacpp) scored two 64-token chunks of
// the sample text with each chunk's first token replaced by BOS; its per-position NLL is committed
// in lib/eval/testing/llamacpp-stories260k.json.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { evaluatePerplexity } from '../../lib/eval/perplexity';
import { graphRopeInputs } from '../../lib/eval/ropeInputs';
import { assembleDecoderWeights } from '../../lib/onnx/assembleWeights';
import { buildLlamaGraph } from '../../lib/onnx/llamaGraph';
import { fixtureSkipMessage, sharedFixture } from '../../lib/testing/sharedFixtures';
import { addedBosId } from '../../lib/tokenize/describeSource';
import { tokenStreamOfBytes } from '../../lib/tokenize/stream';
import { openModelAtPath } from '../io/nodeByteSource';
import { REPO, runCli } from '../testing/spawnCli';
import { createNodeEngine } from './nodeRunner';
import { tolerance } from '../../lib/testing/tolerances';

interface Reference {
  contextTokens: number;
  streamTokens: number;
  chunks: Array<{ firstToken: number; nll: number[] }>;
}
const reference = JSON.parse(readFileSync(join(REPO, 'lib/eval/testing/llamacpp-stories260k.json'), 'utf8')) as Reference;
const stories = sharedFixture('stories260K', 'stories260K.gguf');
const sample = sharedFixture('stories260K', 'sample.txt');

describe.skipIf(!stories || !sample)(`stories260K against llama.cpp ${stories ? '' : `(${fixtureSkipMessage('stories260K')})`}`, () => {
  it('per-position NLL of each BOS-led chunk within 2e-5 nats of llama.cpp', async () => {
    const { model, close } = await openModelAtPath(stories!);
    try {
      const tokens = tokenStreamOfBytes(model.tokenizer, model.spec.vocabSize, readFileSync(sample!));
      expect(tokens.length).toBe(reference.streamTokens);
      const C = reference.contextTokens;
      const weights = await assembleDecoderWeights(model.spec, (n) => model.tensorF32(n), {});
      const engine = await createNodeEngine(buildLlamaGraph(model.spec, weights, { seqLen: C }));
      const { cos, sin } = graphRopeInputs(model.spec.rope, C);
      let worst = 0;
      for (const chunk of reference.chunks) {
        const ids = tokens.slice(chunk.firstToken, chunk.firstToken + C);
        ids[0] = addedBosId(model.tokenizer)!;
        const { nll } = await engine.run({ ids, cos, sin });
        for (let p = 0; p < C - 1; p++) worst = Math.max(worst, Math.abs(nll[p] - chunk.nll[p]));
      }
      await engine.dispose();
      expect(worst).toBeLessThan(tolerance('llamacpp-per-token-nll', 'float32', 'cpu'));
      // The llama-perplexity figure over those chunks, through lib/eval, equals llama.cpp's (lib/testing/tolerances).
      const [r] = await evaluatePerplexity({
        tokens,
        contexts: [C],
        maxWindows: reference.chunks.length,
        scoring: { mode: 'llama-perplexity', bosId: addedBosId(model.tokenizer) },
        prepare: async (c) => ({ engine: await createNodeEngine(buildLlamaGraph(model.spec, weights, { seqLen: c })), cos, sin }),
      });
      const first = C / 2;
      const refNll = reference.chunks.flatMap((c) => c.nll.slice(first)).reduce((a, b) => a + b, 0) / (reference.chunks.length * (C - 1 - first));
      expect(Math.abs(r.nll - refNll)).toBeLessThan(tolerance('llamacpp-mean-nll', 'float32', 'cpu'));
    } finally {
      await close();
    }
  });

  it('bandscope eval --score llama-perplexity from the file path alone prints the same figure', async () => {
    const r = await runCli([
      'eval',
      '--model',
      stories!,
      '--text',
      sample!,
      '--contexts',
      String(reference.contextTokens),
      '--windows',
      String(reference.chunks.length),
      '--score',
      'llama-perplexity',
      '--json',
    ]);
    expect(r.stderr).toBe('');
    const out = JSON.parse(r.stdout) as { settings: { tokenizer: string; score: string }; contexts: Array<{ nll: number; predictions: number }> };
    expect(out.settings.tokenizer).toMatch(/GGUF-embedded SentencePiece \("llama"\), 512 tokens; adds BOS 1 at the start/);
    const first = reference.contextTokens / 2;
    const refNll =
      reference.chunks.flatMap((c) => c.nll.slice(first)).reduce((a, b) => a + b, 0) / (reference.chunks.length * (reference.contextTokens - 1 - first));
    expect(out.contexts[0].predictions).toBe(reference.chunks.length * (reference.contextTokens - 1 - first));
    expect(Math.abs(out.contexts[0].nll - refNll)).toBeLessThan(tolerance('llamacpp-mean-nll', 'float32', 'cpu'));
  }, 60_000);
});
