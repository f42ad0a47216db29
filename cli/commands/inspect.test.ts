// Spawns the real CLI on small files written in the real formats. Expected numbers are
// computed here from the values written, not by the loader under test.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../testing/spawnCli';
import { tinyGguf, tinyHfFolder, tinyHfShapes, TINY } from '../../lib/model/testing/tinyModels';

const dir = mkdtempSync(join(tmpdir(), 'bandscope-inspect-'));

const cli = (args: string[]) => runCli(['inspect', ...args]);

async function writeHfFolder(): Promise<string> {
  const folder = join(dir, 'hf');
  mkdirSync(folder, { recursive: true });
  for (const s of tinyHfFolder()) writeFileSync(join(folder, s.name.split('/').pop()!), await s.read(0, s.sizeBytes));
  return folder;
}

describe('bandscope inspect', () => {
  it('HF folder --json: format, spec and tensors; --tensor stats by hand', async () => {
    const folder = await writeHfFolder();
    const r = await cli([folder, '--tensor', 'model.norm.weight', '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.format).toBe('hf-safetensors');
    expect(report.spec.numKvHeads).toBe(TINY.kvHeads);
    expect(report.tensors).toHaveLength(12);
    expect(report.specError).toBeUndefined();
    expect(report.files).toHaveLength(1);
    // Offsets: the tiny writer stores tensors back to back in tinyHfShapes order after the header.
    let at = report.files[0].dataOffsetBytes;
    for (const [i, [name, shape]] of tinyHfShapes().entries()) {
      const sizeBytes = 4 * shape.reduce((a, b) => a * b, 1);
      expect(report.tensors[i]).toEqual({ name, hfName: name, fileName: 'model.safetensors', dtype: 'F32', shape, offsetBytes: at, sizeBytes });
      at += sizeBytes;
    }
    expect(at).toBe(report.files[0].sizeBytes);
    // model.norm.weight is tensor index 10 of the tiny model: v_i = ((10·7919 + i) mod 97 − 48)/64.
    const values = Array.from({ length: 64 }, (_, i) => Math.fround((((10 * 7919 + i) % 97) - 48) / 64));
    expect(report.tensor.first).toEqual(values.slice(0, 16));
    expect(report.tensor.mean).toBeCloseTo(values.reduce((a, b) => a + b, 0) / 64, 6);
    expect(report.tensor.absMax).toBe(Math.max(...values.map(Math.abs)));
    expect(report.tensor.nonFinite).toBe(0);
  }, 30_000);

  it('GGUF with a Q8_0 attn_q: dequantized stats in file row order; interleaved layout', async () => {
    // 64 rows × 64 = 128 Q8_0 blocks, each d = 0.5 (fp16 0x3800) and q_j = ((b + j) mod 11) − 5.
    const blocks = 128;
    const data = new Uint8Array(blocks * 34);
    const expected: number[] = [];
    for (let b = 0; b < blocks; b++) {
      data[b * 34 + 1] = 0x38;
      for (let j = 0; j < 32; j++) {
        const q = ((b + j) % 11) - 5;
        data[b * 34 + 2 + j] = q & 0xff;
        expected.push(q * 0.5);
      }
    }
    const path = join(dir, 'q8.gguf');
    writeFileSync(path, tinyGguf('llama', {}, { 'blk.0.attn_q.weight': { ggmlType: 'Q8_0', data } }));
    const r = await cli([path, '--tensor', 'blk.0.attn_q.weight', '--json']);
    expect(r.stderr).toBe('');
    const report = JSON.parse(r.stdout);
    expect(report.spec.pairLayout).toBe('interleaved');
    expect(report.tensor).toMatchObject({
      name: 'blk.0.attn_q.weight',
      hfName: 'model.layers.0.self_attn.q_proj.weight',
      dtype: 'Q8_0',
      shape: [64, 64],
      sizeBytes: blocks * 34,
      nonFinite: 0,
      absMax: 2.5,
    });
    // The same tensor asked for by its Hugging Face name.
    const byHf = JSON.parse((await cli([path, '--tensor', 'model.layers.0.self_attn.q_proj.weight', '--json'])).stdout);
    expect(byHf.tensor).toEqual(report.tensor);
    expect(report.tensor.first).toEqual(expected.slice(0, 16));
    expect(report.tensor.mean).toBeCloseTo(expected.reduce((a, b) => a + b, 0) / expected.length, 9);
  }, 30_000);

  it('NaN and Inf weights are counted in nonFinite and left out of mean/absMax', async () => {
    const folder = join(dir, 'nan');
    mkdirSync(folder, { recursive: true });
    const norm = Float32Array.from({ length: 64 }, (_, i) => (i % 2 ? 1 : -3));
    norm[3] = NaN;
    norm[7] = -Infinity;
    for (const s of tinyHfFolder({ values: { 'model.norm.weight': norm } }))
      writeFileSync(join(folder, s.name.split('/').pop()!), await s.read(0, s.sizeBytes));
    const r = await cli([folder, '--tensor', 'model.norm.weight', '--json']);
    const t = JSON.parse(r.stdout).tensor;
    expect(t.nonFinite).toBe(2);
    expect(t.absMax).toBe(3);
    // 62 finite values: 32 of −3 and 30 of 1 (indices 3 and 7 were odd → two 1s removed).
    expect(t.mean).toBeCloseTo((32 * -3 + 30 * 1) / 62, 9);
    expect(t.first[3]).toBeNull(); // JSON has no NaN
  }, 30_000);

  it('bad input: one clear line on stderr, exit 2', async () => {
    const junk = join(dir, 'junk.gguf');
    writeFileSync(junk, 'not a gguf file at all');
    for (const [args, pattern] of [
      [[junk], /magic "GGUF"/],
      [[join(dir, 'missing')], /no such file or folder/],
      [[], /give exactly one path/],
      [[await writeHfFolder(), '--tensor', 'nope'], /no tensor named 'nope'/],
    ] as const) {
      const r = await cli([...args]);
      expect(r.code).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(pattern);
    }
  }, 60_000);
});
