import { describe, expect, it } from 'vitest';
import { openModelAtPath } from '../../cli/io/nodeByteSource';
import { applyInterpolation } from '../rope/interpolation';
import { originalWindowTokens } from '../rope/frequencies';
import { fixtureSkipMessage, sharedFixture } from '../testing/sharedFixtures';
import { byteSourceFromBytes } from './byteSource';
import { openModel } from './open';
import { tinyGguf, tinyHfConfig, tinyHfFolder } from './testing/tinyModels';
import { describeTrainedWindow, resolveTrainedWindow, statedTrainedWindows, withTrainedWindow } from './trainedWindow';

describe('trained window', () => {
  it('lists every window a config.json states, original windows first (lib/rope precedence)', () => {
    const llama31 = { max_position_embeddings: 131072, rope_scaling: { rope_type: 'llama3', factor: 8, original_max_position_embeddings: 8192 } };
    expect(statedTrainedWindows('hf-safetensors', llama31)).toEqual([
      { source: 'config.json rope_scaling.original_max_position_embeddings', windowTokens: 8192 },
      { source: 'config.json max_position_embeddings', windowTokens: 131072 },
    ]);
    const phi3 = { max_position_embeddings: 131072, original_max_position_embeddings: 4096 };
    expect(statedTrainedWindows('hf-safetensors', phi3).map((c) => c.windowTokens)).toEqual([4096, 131072]);
    expect(statedTrainedWindows('gguf', { 'general.architecture': 'llama', 'llama.context_length': 2048 })).toEqual([
      { source: 'llama.context_length', windowTokens: 2048 },
    ]);
    expect(statedTrainedWindows('gguf', { 'llama.context_length': 2048 })).toEqual([]);
  });

  it('uses the stated window by default, names its source, and takes an override everywhere lib/rope looks', async () => {
    const config = tinyHfConfig({
      max_position_embeddings: 4096,
      rope_scaling: { rope_type: 'llama3', factor: 8, low_freq_factor: 1, high_freq_factor: 4, original_max_position_embeddings: 1024 },
    });
    const stated = await openModel(tinyHfFolder({ config }));
    expect(stated.trainedWindow).toMatchObject({ windowTokens: 1024, source: 'config.json rope_scaling.original_max_position_embeddings' });
    expect(originalWindowTokens(stated.spec.rope)).toBe(1024);
    const plain = await openModel(tinyHfFolder());
    expect(plain.trainedWindow.source).toBe('config.json max_position_embeddings');
    const over = await openModel(tinyHfFolder(), { trainedWindowTokens: 32 });
    expect(over.trainedWindow).toMatchObject({ windowTokens: 32, source: 'override' });
    expect(originalWindowTokens(over.spec.rope)).toBe(32);
    // A PI factor is over the window in force: yarn ×4 over L = 32 targets 128 tokens.
    const yarn = applyInterpolation(over.spec.rope, { method: 'yarn', factor: 4 });
    expect(yarn).toMatchObject({ originalMaxPositionEmbeddings: 32, maxPositionEmbeddings: 128 });
    expect(describeTrainedWindow(over.trainedWindow)).toMatch(/L = 32 tokens \(set by you; the file states config.json max_position_embeddings = \d+\)/);
  });

  it('refuses an override that is not a usable window, with the number', async () => {
    await expect(openModel(tinyHfFolder(), { trainedWindowTokens: 3 })).rejects.toThrow(/trained window must be an integer from 8 to \d+ tokens, got 3/);
    expect(() => withTrainedWindow(resolveSpec(), 1.5)).toThrow(/got 1.5/);
  });

  it('reads a GGUF context_length and lets the true window replace it', async () => {
    const model = await openModel([byteSourceFromBytes(tinyGguf('llama'), 'tiny.gguf')], { trainedWindowTokens: 64 });
    expect(model.trainedWindow).toEqual({ windowTokens: 64, source: 'override', candidates: [{ source: 'llama.context_length', windowTokens: 128 }] });
  });

  const stories = sharedFixture('stories260K', 'stories260K.gguf');
  it.skipIf(!stories)(
    `stories260K (llama2.c, trained at 512) states 2048; the override gives 512 — ${stories ? 'real file' : fixtureSkipMessage('stories260K', 'stories260K.gguf')}`,
    async () => {
      const stated = await openModelAtPath(stories!);
      try {
        expect(stated.model.trainedWindow).toMatchObject({ windowTokens: 2048, source: 'llama.context_length' });
      } finally {
        await stated.close();
      }
      const fixed = await openModelAtPath(stories!, { trainedWindowTokens: 512 });
      try {
        expect(originalWindowTokens(fixed.model.spec.rope)).toBe(512);
        expect(resolveTrainedWindow('gguf', fixed.model.metadata, fixed.model.spec).windowTokens).toBe(512);
      } finally {
        await fixed.close();
      }
    },
  );
});

function resolveSpec() {
  return {
    architecture: 'llama',
    vocabSize: 8,
    hiddenSize: 8,
    intermediateSize: 8,
    numLayers: 1,
    numHeads: 1,
    numKvHeads: 1,
    headDim: 8,
    rmsNormEps: 1e-5,
    tieWordEmbeddings: false,
    attentionBias: false,
    pairLayout: 'half-split' as const,
    rope: { type: 'default' as const, thetaBase: 1e4, headDim: 8, rotaryDim: 8, maxPositionEmbeddings: 64 },
  };
}
