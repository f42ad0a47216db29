import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tinyGguf } from '../../lib/model/testing/tinyModels';
import { createTokenizer } from '../../lib/tokenize/hfTokenizer';
import { openModelAtPath, openNodeByteSource } from './nodeByteSource';
import { TINY_BPE_TOKENIZER_JSON } from '../../lib/tokenize/testing/tinyBpe';

describe('openModelAtPath on a .gguf file', () => {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });
  const folder = async (files: Record<string, Uint8Array | string>): Promise<string> => {
    const dir = await mkdtemp(join(tmpdir(), 'bandscope-gguf-'));
    dirs.push(dir);
    for (const [name, data] of Object.entries(files)) await writeFile(join(dir, name), data);
    return dir;
  };

  it('uses the embedded tokenizer when the folder has no tokenizer.json', async () => {
    const dir = await folder({ 'm.gguf': tinyGguf('llama') });
    const { model, close } = await openModelAtPath(join(dir, 'm.gguf'));
    await close();
    expect(model.tokenizer.kind).toBe('gguf');
    expect(createTokenizer(model.tokenizer).description).toMatch(/^GGUF-embedded SentencePiece \("llama"\), 32 tokens/);
  });
  it('finds tokenizer.json and tokenizer_config.json beside it, which override the embedded tokenizer', async () => {
    const dir = await folder({
      'm.gguf': tinyGguf('llama'),
      'tokenizer.json': JSON.stringify(TINY_BPE_TOKENIZER_JSON),
      'tokenizer_config.json': JSON.stringify({ add_bos_token: true, bos_token: 'abc' }),
      'unrelated.json': '{}',
    });
    const { model, close } = await openModelAtPath(join(dir, 'm.gguf'));
    await close();
    expect(model.tokenizer.kind).toBe('hf-json');
    const t = createTokenizer(model.tokenizer);
    expect(t.encode('abc ab')).toEqual([5, 4]);
    expect(t.special).toEqual({ bosId: 5, eosId: null, addBos: true, addEos: false });
  });
});

describe('openNodeByteSource', () => {
  it('readInto fills a view with the bytes read returns, and refuses a range past the end', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'bandscope-bytes-'));
    try {
      const bytes = new Uint8Array(1000).map((_, i) => (i * 7) & 0xff);
      await writeFile(join(dir, 'f.bin'), bytes);
      const source = await openNodeByteSource(join(dir, 'f.bin'));
      try {
        const buffer = new Uint8Array(300);
        await source.readInto!(123, buffer.subarray(100, 250));
        expect(Array.from(buffer.subarray(100, 250))).toEqual(Array.from(await source.read(123, 150)));
        expect(buffer[99]).toBe(0);
        expect(buffer[250]).toBe(0);
        await expect(source.readInto!(900, new Uint8Array(101))).rejects.toThrow(/outside the file \(1000 bytes\)/);
      } finally {
        await source.close();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
