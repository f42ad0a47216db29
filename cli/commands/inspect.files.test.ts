// `inspect` on files that are not (complete) models, on the built-in model, on corrupt files, and on
// real GGUFs nobody here wrote. Expected offsets and values come from the writers' inputs.
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeSafetensorsF32 } from '../../lib/export/safetensorsWriter';
import type { ByteSource } from '../../lib/model/byteSource';
import { f32Bytes, writeSafetensors } from '../../lib/model/testing/safetensorsWriter';
import { tiedHfFolder } from '../../lib/model/testing/tiedModels';
import { tinyGguf, tinyHfFolder, tinyTensorValues, TINY } from '../../lib/model/testing/tinyModels';
import { fixtureSkipMessage, sharedFixture } from '../../lib/testing/sharedFixtures';
import { runCli } from '../testing/spawnCli';
import { inspectPath } from './inspect';

const dir = mkdtempSync(join(tmpdir(), 'bandscope-inspect-files-'));
const Q = 'model.layers.0.self_attn.q_proj.weight';
const K = 'model.layers.0.self_attn.k_proj.weight';

async function writeFolder(name: string, files: ByteSource[]): Promise<string> {
  const folder = join(dir, name);
  mkdirSync(folder, { recursive: true });
  for (const s of files) writeFileSync(join(folder, s.name.split('/').pop()!), await s.read(0, s.sizeBytes));
  return folder;
}

/** What `search --out` writes: patched q/k of layer 0 with its __metadata__. */
function patchedExport(): { bytes: Uint8Array; q: Float32Array; k: Float32Array } {
  const q = Float32Array.from({ length: 6 }, (_, i) => (i - 2) * 0.5);
  const k = Float32Array.from({ length: 4 }, (_, i) => -i);
  const bytes = writeSafetensorsF32(
    [
      { name: Q, shape: [3, 2], data: q },
      { name: K, shape: [2, 2], data: k },
    ],
    { format: 'pt', producer: 'bandscope search', variant: 'qk' },
  );
  return { bytes, q, k };
}

describe('bandscope inspect on any file', () => {
  it('a lone .safetensors (Bandscope’s q/k export, no config.json): tensors, offsets, metadata, specError', async () => {
    const folder = join(dir, 'export');
    mkdirSync(folder);
    const { bytes, q } = patchedExport();
    const path = join(folder, 'qroar-patched.safetensors');
    writeFileSync(path, bytes);
    const r = await runCli(['inspect', path, '--tensor', Q, '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout);
    const dataStart = 8 + Number(new DataView(bytes.buffer).getBigUint64(0, true));
    expect(report).toMatchObject({ path, format: 'safetensors', specError: 'found .safetensors weights but no config.json next to them' });
    expect(report.spec).toBeUndefined();
    expect(report.files).toHaveLength(1);
    expect(report.files[0].tensors).toBeUndefined(); // listed once, at the top level
    expect(report.files[0]).toMatchObject({
      fileName: 'qroar-patched.safetensors',
      format: 'safetensors',
      sizeBytes: bytes.length,
      dataOffsetBytes: dataStart,
      metadata: { format: 'pt', producer: 'bandscope search', variant: 'qk' },
    });
    expect(report.tensors.map((t: { name: string; offsetBytes: number; sizeBytes: number }) => [t.name, t.offsetBytes, t.sizeBytes])).toEqual([
      [Q, dataStart, 24],
      [K, dataStart + 24, 16],
    ]);
    expect(report.tensor).toMatchObject({ name: Q, shape: [3, 2], first: Array.from(q), absMax: 1.5, nonFinite: 0 });
    expect(report.tensor.mean).toBeCloseTo(q.reduce((a, b) => a + b, 0) / 6, 9);
  }, 30_000);

  it('the export beside a config.json it does not complete: listed, specError from the model check', async () => {
    const folder = join(dir, 'export-with-config');
    mkdirSync(folder);
    copyFileSync('public/models/bandscope-byte-4m/config.json', join(folder, 'config.json'));
    writeFileSync(join(folder, 'qroar-patched.safetensors'), patchedExport().bytes);
    const report = await inspectPath(join(folder, 'qroar-patched.safetensors'), 'x');
    expect(report.specError).toMatch(/^tensor model\.embed_tokens\.weight is missing \(config\.json says vocab 256 × hidden 256\)/);
    expect(report.tensors).toHaveLength(2);
  });

  it('a GGUF that is not a complete model lists its own names with the HF names beside them', async () => {
    const path = join(dir, 'incomplete.gguf');
    writeFileSync(path, tinyGguf('llama', {}, {}, ['blk.0.attn_k.weight']));
    const report = await inspectPath(path, path, Q);
    expect(report).toMatchObject({
      format: 'gguf',
      architecture: 'llama',
      specError: `tensor ${K} is missing (the GGUF metadata says 1 KV heads × head_dim ${TINY.headDim})`,
    });
    expect(report.identity).toBeUndefined();
    expect(report.tensors).toHaveLength(11);
    expect(report.tensors[1]).toMatchObject({ name: 'blk.0.attn_q.weight', hfName: Q, dtype: 'F32', shape: [64, 64] });
    expect(report.tensor!.first).toEqual(Array.from(tinyTensorValues(Q).subarray(0, 16)));
    expect(report.files[0].metadata['tokenizer.ggml.tokens']).toEqual({ array: 'string', length: TINY.vocab });

    const other = join(dir, 'gpt2.gguf');
    writeFileSync(other, tinyGguf('gpt2'));
    const r2 = await inspectPath(other, other);
    expect(r2).toMatchObject({ format: 'gguf', architecture: 'gpt2' });
    expect(r2.specError).toMatch(/GGUF architecture "gpt2" is not supported/);
    expect(r2.tensors).toHaveLength(12);
  });

  it('tied folder stored as lm_head + __metadata__ alias: one entry with its alias; --tensor by either name', async () => {
    const folder = await writeFolder('tied', tiedHfFolder('lm_head+alias'));
    const report = await inspectPath(folder, folder, 'model.embed_tokens.weight');
    expect(report.spec!.tieWordEmbeddings).toBe(true);
    expect(report.tensors).toHaveLength(11);
    expect(report.tensors.filter((t) => t.aliases)).toEqual([expect.objectContaining({ name: 'lm_head.weight', aliases: ['model.embed_tokens.weight'] })]);
    expect(report.tensor).toMatchObject({ name: 'lm_head.weight', first: Array.from(tinyTensorValues('model.embed_tokens.weight').subarray(0, 16)) });
    expect(report.files[0].metadata).toEqual({ format: 'pt', 'model.embed_tokens.weight': 'lm_head.weight' });

    // The same file alone (no config.json): the alias still shows, from __metadata__.
    const lone = join(dir, 'lone');
    mkdirSync(lone);
    const head = f32Bytes(tinyTensorValues('model.embed_tokens.weight'));
    writeFileSync(
      join(lone, 'm.safetensors'),
      writeSafetensors([{ name: 'lm_head.weight', dtype: 'F32', shape: [TINY.vocab, TINY.hidden], data: head }], {
        'model.embed_tokens.weight': 'lm_head.weight',
      }),
    );
    const loneReport = await inspectPath(join(lone, 'm.safetensors'), 'm', 'model.embed_tokens.weight');
    expect(loneReport.tensors[0].aliases).toEqual(['model.embed_tokens.weight']);
    expect(loneReport.tensor!.name).toBe('lm_head.weight');
  });

  it('a sharded folder lists every shard', async () => {
    const folder = await writeFolder('sharded', tinyHfFolder({ shards: 2 }));
    const report = await inspectPath(folder, folder);
    expect(report.format).toBe('hf-safetensors');
    expect(report.files.map((f) => f.fileName)).toEqual(['model-00001-of-00002.safetensors', 'model-00002-of-00002.safetensors']);
    expect(report.tensors.map((t) => t.fileName)).toEqual([
      ...Array(6).fill('model-00001-of-00002.safetensors'),
      ...Array(6).fill('model-00002-of-00002.safetensors'),
    ]);
  });

  it('builtin: the built-in model, as eval --model builtin takes it; text output too', async () => {
    const r = await runCli(['inspect', 'builtin', '--json']);
    expect(r.stderr).toBe('');
    const report = JSON.parse(r.stdout);
    expect(report).toMatchObject({ path: 'builtin:bandscope-byte-4m', format: 'hf-safetensors', architecture: 'llama' });
    expect(report.spec).toMatchObject({ vocabSize: 256, numLayers: 6, hiddenSize: 256 });
    expect(report.tensors).toHaveLength(3 + 9 * 6);
    const text = await runCli(['inspect', 'builtin']);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^path {10}builtin:bandscope-byte-4m\n/);
    expect(text.stdout).toContain('  model.embed_tokens.weight  F32  [256, 256]  @');
  }, 30_000);

  it('corrupt, truncated or unknown files: one line on stderr, exit 2', async () => {
    const good = (await tinyHfFolder()[1].read(0, tinyHfFolder()[1].sizeBytes)).slice();
    const gguf = tinyGguf();
    const cases: Array<[string, Uint8Array, RegExp]> = [
      ['cut.safetensors', good.slice(0, good.length - 1000), /not a valid safetensors file: tensor .* past the .* data bytes in the file \(truncated\?\)/],
      ['garbage.safetensors', new TextEncoder().encode('\u00ff'.repeat(40)), /not a valid safetensors file/],
      ['header-cut.gguf', gguf.slice(0, 200), /not a valid GGUF file: tensor count 12 exceeds what the remaining 184 bytes can hold/],
      ['data-cut.gguf', gguf.slice(0, gguf.length - 64), /not a valid GGUF file: tensor .* runs past/],
      ['weights.bin', good, /is not a \.safetensors or \.gguf file/],
    ];
    for (const [name, bytes, pattern] of cases) {
      const path = join(dir, name);
      writeFileSync(path, bytes);
      const r = await runCli(['inspect', path, '--json']);
      expect(r.code, name).toBe(2);
      expect(r.stdout, name).toBe('');
      expect(r.stderr.trim().split('\n'), name).toHaveLength(1);
      expect(r.stderr, name).toMatch(pattern);
    }
  }, 60_000);
});

describe('bandscope inspect on real GGUFs (../shared/fixtures)', () => {
  const stories = sharedFixture('stories260K', 'stories260K.gguf');
  if (!stories) it.skip(fixtureSkipMessage('stories260K', 'stories260K.gguf'), () => {});
  else
    it('stories260K.gguf: 48 F32 tensors under llama.cpp names, spec as its README states', async () => {
      const report = await inspectPath(stories, stories, 'output_norm.weight');
      expect(report.spec).toMatchObject({
        numLayers: 5,
        hiddenSize: 64,
        numHeads: 8,
        numKvHeads: 4,
        headDim: 8,
        intermediateSize: 172,
        vocabSize: 512,
        tieWordEmbeddings: false,
        pairLayout: 'interleaved',
      });
      expect(report.files[0]).toMatchObject({ format: 'gguf', ggufVersion: 3, sizeBytes: 1_185_376 });
      expect(report.tensors).toHaveLength(3 + 9 * 5);
      expect(report.tensors.every((t) => t.dtype === 'F32' && t.offsetBytes % 32 === 0)).toBe(true);
      expect(report.tensors.find((t) => t.name === 'blk.4.ffn_down.weight')).toMatchObject({
        hfName: 'model.layers.4.mlp.down_proj.weight',
        shape: [64, 172],
        sizeBytes: 64 * 172 * 4,
      });
      // Offsets checked against the raw file: the F32 values at output_norm's offset are its stats.
      const t = report.tensor!;
      const raw = readFileSync(stories).subarray(t.offsetBytes, t.offsetBytes + t.sizeBytes);
      const values = new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.length));
      expect(t.first).toEqual(Array.from(values.subarray(0, 16)));
      expect(t.mean).toBeCloseTo(values.reduce((a, b) => a + b, 0) / values.length, 6);
      const end = Math.max(...report.tensors.map((x) => x.offsetBytes + x.sizeBytes));
      expect(end).toBe(1_185_376);
      // It says 2048 (a converter setting); it was trained at 512, which --trained-window sets.
      expect(report.trainedWindow).toEqual({
        windowTokens: 2048,
        source: 'llama.context_length',
        candidates: [{ source: 'llama.context_length', windowTokens: 2048 }],
      });
      expect(report.tokenizer).toMatchObject({ kind: 'gguf', vocabSize: 512, bosId: 1, eosId: 2, addBos: true, addEos: false });
      expect(report.tokenizer?.description).toMatch(/GGUF-embedded SentencePiece \("llama"\), 512 tokens; adds BOS 1 at the start/);
      const fixed = await inspectPath(stories, stories, undefined, { trainedWindowTokens: 512 });
      expect(fixed.trainedWindow).toMatchObject({ windowTokens: 512, source: 'override' });
      expect(fixed.spec?.rope.originalMaxPositionEmbeddings).toBe(512);
    });

  const tiny = sharedFixture('llama2-tiny-random', 'llama-2-tiny-random.gguf');
  if (!tiny) it.skip(fixtureSkipMessage('llama2-tiny-random', 'llama-2-tiny-random.gguf'), () => {});
  else
    it('llama-2-tiny-random.gguf: F16 matrices; the 32,000-token vocabulary is summarised, never printed whole', async () => {
      const report = await inspectPath(tiny, tiny, 'token_embd.weight');
      expect(report.spec).toMatchObject({ numLayers: 1, hiddenSize: 8, vocabSize: 32000 });
      expect(report.tensors.find((t) => t.name === 'blk.0.attn_q.weight')).toMatchObject({ dtype: 'F16', shape: [8, 8], sizeBytes: 128 });
      const meta = report.files[0].metadata;
      expect(meta['tokenizer.ggml.tokens']).toEqual({ array: 'string', length: 32000 });
      expect(meta['tokenizer.ggml.scores']).toEqual({ array: 'number', length: 32000 });
      expect(JSON.stringify(report).length).toBeLessThan(20_000);
      expect(report.tensor).toMatchObject({ hfName: 'model.embed_tokens.weight', nonFinite: 0 });
      expect(report.tokenizer).toMatchObject({ kind: 'gguf', vocabSize: 32000, bosId: 1, eosId: 2, addBos: true });
    });
});
