// Tied embeddings stored under either name (lib/model/tensorAliases via openModel). Expected
// values come from the writer's inputs (tinyTensorValues), not from the loader under test.
import { describe, expect, it } from 'vitest';
import { assembleDecoderWeights } from '../onnx/assembleWeights';
import { estimateLoadBytes } from './budget';
import { byteSourceFromBytes } from './byteSource';
import { openModel } from './open';
import { f32Bytes, writeSafetensors } from './testing/safetensorsWriter';
import { loggingSources, tiedHfFolder, TIED_LAYOUTS } from './testing/tiedModels';
import { tinyGguf, tinyHfConfig, tinyHfFolder, tinyHfShapes, tinyTensorValues, TINY } from './testing/tinyModels';
import { parseGgufHeader } from './gguf';
import { parseSafetensorsHeader } from './safetensors';

const E = 'model.embed_tokens.weight';
const H = 'lm_head.weight';
const shared = Array.from(tinyTensorValues(E));

describe('tied embeddings under either name', () => {
  for (const layout of TIED_LAYOUTS) {
    it(`${layout}: both names read the stored matrix; tensors list only what is stored`, async () => {
      const model = await openModel(tiedHfFolder(layout));
      expect(model.spec.tieWordEmbeddings).toBe(true);
      expect(Array.from(await model.tensorF32(E))).toEqual(shared);
      expect(Array.from(await model.tensorF32(H, { first: 2, count: 1 }))).toEqual(shared.slice(2 * TINY.hidden, 3 * TINY.hidden));
      expect((await model.nativeTensor(E, { first: 0, count: 3 })).shape).toEqual([3, TINY.hidden]);
      const names = model.tensors.map((t) => t.name);
      const stored = layout === 'embed' ? [E] : layout === 'both' ? [E, H] : [H];
      expect(names.filter((n) => n === E || n === H).sort()).toEqual(stored.sort());
      expect(names).toHaveLength(10 + stored.length);
      if (layout === 'both') {
        expect(model.tensors.some((t) => t.aliases)).toBe(false);
        expect(model.resolveTensorName(H)).toBe(H);
      } else {
        const holder = model.tensors.find((t) => t.name === stored[0])!;
        const other = stored[0] === E ? H : E;
        expect(holder.aliases).toEqual([other]);
        expect(model.resolveTensorName(other)).toBe(stored[0]);
      }
      expect(model.resolveTensorName('nope')).toBeUndefined();
    });
  }

  it('neither name: the error says both are missing, with the numbers', async () => {
    await expect(openModel(tiedHfFolder('neither'))).rejects.toThrow(
      `tensors model.embed_tokens.weight and lm_head.weight are both missing (config.json says tied embeddings, vocab ${TINY.vocab} × hidden ${TINY.hidden}`,
    );
  });

  it('untied models still need both matrices', async () => {
    await expect(openModel(tiedHfFolder('embed', { tie_word_embeddings: false }))).rejects.toThrow(
      `tensor lm_head.weight is missing (config.json says vocab ${TINY.vocab} × hidden ${TINY.hidden}, untied)`,
    );
    await expect(openModel(tiedHfFolder('lm_head', { tie_word_embeddings: false }))).rejects.toThrow(
      `tensor model.embed_tokens.weight is missing (config.json says vocab ${TINY.vocab} × hidden ${TINY.hidden})`,
    );
  });

  it('an untied config whose file stores one matrix for both names (metadata alias) is read as tied', async () => {
    const model = await openModel(tiedHfFolder('lm_head+alias', { tie_word_embeddings: false }));
    expect(model.spec.tieWordEmbeddings).toBe(true);
    expect(Array.from(await model.tensorF32(E))).toEqual(shared);
  });

  it('an aliased tensor with the wrong shape is refused like a stored one', async () => {
    const tensors = tinyHfShapes()
      .filter(([n]) => n !== E)
      .map(([name, shape]) => ({
        name,
        dtype: 'F32' as const,
        shape: name === H ? [TINY.vocab / 2, TINY.hidden * 2] : shape,
        data: f32Bytes(tinyTensorValues(name)),
      }));
    const files = [
      byteSourceFromBytes(new TextEncoder().encode(JSON.stringify(tinyHfConfig({ tie_word_embeddings: true }))), 'x/config.json'),
      byteSourceFromBytes(writeSafetensors(tensors, { [E]: H }), 'x/model.safetensors'),
    ];
    await expect(openModel(files)).rejects.toThrow(
      `model.embed_tokens.weight should be [${TINY.vocab}, ${TINY.hidden}], but the file has [${TINY.vocab / 2}, ${TINY.hidden * 2}]`,
    );
  });

  it('one read: assembling a tied model reads the stored matrix once, and the budget counts it once', async () => {
    for (const layout of ['lm_head', 'lm_head+alias', 'embed'] as const) {
      const log: string[] = [];
      const files = tiedHfFolder(layout);
      const header = await parseSafetensorsHeader(files[1]);
      const model = await openModel(loggingSources(files, log));
      const holder = model.tensors.find((t) => t.name === E || t.name === H)!;
      const matrixBytes = TINY.vocab * TINY.hidden * 4;
      log.length = 0;
      const weights = await assembleDecoderWeights(model.spec, (n) => model.tensorF32(n));
      expect(weights.lmHead).toBe(weights.embedTokens);
      expect(log.filter((l) => l === `tied/model.safetensors ${header.tensors.get(holder.name)!.fileOffsetBytes}+${matrixBytes}`)).toHaveLength(1);
      expect(new Set(log).size).toBe(11); // 9 layer tensors + final norm + the one shared matrix
      expect(log).toHaveLength(11);
      expect(estimateLoadBytes(model, [E, H])).toBe(matrixBytes + holder.sizeBytes);
    }
  });

  it('GGUF without output.weight: lm_head.weight reads token_embd; tensors list the file', async () => {
    const full = await parseGgufHeader(byteSourceFromBytes(tinyGguf(), 'full.gguf'));
    expect(full.tensors.has('output.weight')).toBe(true);
    const bytes = tinyGguf('llama', {}, {}, ['output.weight']);
    const model = await openModel([byteSourceFromBytes(bytes, 'tied.gguf')]);
    expect(model.spec.tieWordEmbeddings).toBe(true);
    expect(model.tensors.map((t) => t.name)).not.toContain(H);
    expect(model.tensors.find((t) => t.fileTensorName === 'token_embd.weight')!.aliases).toEqual([H]);
    expect(Array.from(await model.tensorF32(H))).toEqual(shared);
    await expect(openModel([byteSourceFromBytes(tinyGguf('llama', {}, {}, ['output.weight', 'token_embd.weight']), 'none.gguf')])).rejects.toThrow(
      'no vocab size (no token_embd tensor and no vocab_size key)',
    );
  });

  it('untied HF folders are unchanged: no aliases', async () => {
    const model = await openModel(tinyHfFolder());
    expect(model.tensors.some((t) => t.aliases)).toBe(false);
    expect(model.spec.tieWordEmbeddings).toBe(false);
  });
});
