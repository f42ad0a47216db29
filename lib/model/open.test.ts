import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { openModelAtPath } from '../../cli/io/nodeByteSource';
import { assertWithinBudget, estimateLoadBytes } from './budget';
import { byteSourceFromBlob, byteSourceFromBytes } from './byteSource';
import { BudgetExceededError, ModelFormatError } from './errors';
import { openModel } from './open';
import { tinyGguf, tinyHfConfig, tinyHfFolder, tinyTensorValues, TINY } from './testing/tinyModels';

const Q = 'model.layers.0.self_attn.q_proj.weight';

describe('openModel', () => {
  it('opens the built-in model (float32 safetensors, HF names) from disk with the right spec', async () => {
    const { model, close } = await openModelAtPath('public/models/bandscope-byte-4m');
    try {
      expect(model.format).toBe('hf-safetensors');
      expect(model.spec).toMatchObject({
        architecture: 'llama',
        vocabSize: 256,
        hiddenSize: 256,
        intermediateSize: 768,
        numLayers: 6,
        numHeads: 4,
        numKvHeads: 2,
        headDim: 64,
        tieWordEmbeddings: false,
        attentionBias: false,
        pairLayout: 'half-split',
      });
      expect(model.spec.rope).toMatchObject({ type: 'default', thetaBase: 10000, headDim: 64, rotaryDim: 64, maxPositionEmbeddings: 256 });
      const params = model.tensors.reduce((n, t) => n + t.shape.reduce((a, b) => a * b, 1), 0);
      expect(params / 1e6).toBeCloseTo(4.85, 1);
      expect(model.tokenizer).toEqual({ kind: 'bytes', vocabSize: 256, bos: null, eos: null });
      const rows = await model.tensorF32(Q, { first: 1, count: 2 });
      expect(rows.length).toBe(512);
      expect(model.identity).toMatch(/^[0-9a-f]{64}$/);
    } finally {
      await close();
    }
  });

  it('opens single-file and sharded HF folders identically; identity follows the headers', async () => {
    const one = await openModel(tinyHfFolder());
    const two = await openModel(tinyHfFolder({ shards: 2 }));
    expect(two.spec).toEqual(one.spec);
    expect(Array.from(await two.tensorF32('lm_head.weight'))).toEqual(Array.from(tinyTensorValues('lm_head.weight')));
    expect(Array.from(await one.tensorF32(Q, { first: 3, count: 1 }))).toEqual(Array.from(tinyTensorValues(Q).subarray(3 * 64, 4 * 64)));
    const native = await one.nativeTensor(Q, { first: 0, count: 2 });
    expect(native).toMatchObject({ dtype: 'F32', shape: [2, 64] });
    expect(native.bytes.length).toBe(2 * 64 * 4);
    expect(one.identity).not.toBe(two.identity);
    expect((await openModel(tinyHfFolder())).identity).toBe(one.identity);
  });

  it('works over Blob-like sources (browser File)', async () => {
    const files = tinyHfFolder().map((s) => {
      const bytesP = s.read(0, s.sizeBytes);
      return byteSourceFromBlob({
        size: s.sizeBytes,
        name: s.name,
        slice: (a: number, b: number) => ({ arrayBuffer: async () => (await bytesP).slice(a, b).buffer as ArrayBuffer }),
      });
    });
    expect((await openModel(files)).spec.numHeads).toBe(TINY.heads);
  });

  it('opens a GGUF llama with HF names, interleaved layout, rows in file order, and a GGUF tokenizer note', async () => {
    const model = await openModel([byteSourceFromBytes(tinyGguf('llama'), 'tiny.gguf')]);
    expect(model.format).toBe('gguf');
    expect(model.spec).toMatchObject({ architecture: 'llama', vocabSize: 32, numKvHeads: 1, headDim: 32, pairLayout: 'interleaved', tieWordEmbeddings: false });
    expect(model.tensors.find((t) => t.name === Q)).toMatchObject({ fileTensorName: 'blk.0.attn_q.weight', shape: [64, 64], dtype: 'F32' });
    expect(Array.from(await model.tensorF32(Q))).toEqual(Array.from(tinyTensorValues(Q)));
    expect(model.tokenizer).toMatchObject({
      kind: 'gguf',
      model: 'llama',
      pre: null,
      bosId: 1,
      eosId: 2,
      unkId: 0,
      addBos: true,
      addEos: false,
      addSpacePrefix: true,
    });
    expect(model.tokenizer.kind === 'gguf' && model.tokenizer.tokens.length).toBe(32);
    const qwen = await openModel([byteSourceFromBytes(tinyGguf('qwen2'), 'q.gguf')]);
    expect(qwen.spec.pairLayout).toBe('half-split');
  });

  it('refuses contradictions and unsupported models with messages naming both sides', async () => {
    const bad = tinyHfFolder({ config: tinyHfConfig({ num_attention_heads: 4, head_dim: 32 }) });
    await expect(openModel(bad)).rejects.toThrow(
      /4 heads × head_dim 32 → model\.layers\.0\.self_attn\.q_proj\.weight should be \[128, 64\], but the file has \[64, 64\]/,
    );
    await expect(openModel(tinyHfFolder({ config: tinyHfConfig({ model_type: 'gemma2' }) }))).rejects.toThrow(/gemma2.*soft-capping/);
    await expect(openModel(tinyHfFolder({ config: tinyHfConfig({ hidden_size: undefined }) }))).rejects.toThrow(/missing "hidden_size"/);
    await expect(openModel(tinyHfFolder({ config: tinyHfConfig({ num_hidden_layers: 2 }) }))).rejects.toThrow(ModelFormatError);
    await expect(openModel(tinyHfFolder().slice(1))).rejects.toThrow(/no config\.json/);
    const sharded = tinyHfFolder({ shards: 2 });
    await expect(openModel(sharded.filter((s) => !s.name.includes('model-00002')))).rejects.toThrow(/shards that were not given: model-00002-of-00002/);
    await expect(openModel([byteSourceFromBytes(tinyGguf('gemma2'), 'g.gguf')])).rejects.toThrow(/gemma2.*soft-capping/);
    await expect(openModel([byteSourceFromBytes(tinyGguf('llama', { 'llama.attention.head_count': 3 }), 'b.gguf')])).rejects.toThrow(ModelFormatError);
  });

  it('estimates load bytes and enforces a budget with numbers in the message', async () => {
    const model = await openModel(tinyHfFolder());
    const need = estimateLoadBytes(model, [Q, 'lm_head.weight']);
    expect(need).toBe(4 * (64 * 64 + 32 * 64) + 4 * 64 * 64);
    expect(() => assertWithinBudget(need, need)).not.toThrow();
    expect(() => assertWithinBudget(3 * 1024 * 1024, 1024 * 1024)).toThrow(/needs 3\.0 MB, budget 1\.0 MB/);
    expect(() => assertWithinBudget(2, 1)).toThrow(BudgetExceededError);
  });

  it('reads the built-in tokenizer description file', async () => {
    const text = await readFile('public/models/bandscope-byte-4m/bandscope_tokenizer.json', 'utf8');
    expect(JSON.parse(text)).toEqual({ type: 'bytes', vocab_size: 256, bos: null, eos: null });
  });
  it('refuses a GGUF whose tensors use a ggml type it cannot dequantize, naming the tensor, at open', async () => {
    const data = new Uint8Array(((TINY.heads * TINY.headDim * TINY.hidden) / 32) * 36);
    const file = tinyGguf('llama', {}, { 'blk.0.attn_q.weight': { ggmlType: 'Q8_1', data } });
    await expect(openModel([byteSourceFromBytes(file, 'q81.gguf')])).rejects.toThrow(
      /q81\.gguf: tensor blk\.0\.attn_q\.weight is stored as ggml type Q8_1, which Bandscope cannot dequantize yet \(supported: F32, F16, BF16, Q4_0/,
    );
    await expect(openModel([byteSourceFromBytes(file, 'q81.gguf')])).rejects.toBeInstanceOf(ModelFormatError);
  });
});
