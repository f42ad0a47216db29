import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { quantizeQ8_0Ref } from '../quant/gguf/quantizeRef';
import { byteSourceFromBytes } from './byteSource';
import { ModelFormatError } from './errors';
import { parseGgufHeader, readGgufF32 } from './gguf';
import { writeGguf } from './testing/ggufWriter';
import { f32Bytes } from './testing/safetensorsWriter';

function sample(version: 2 | 3 = 3, alignment?: number): Uint8Array {
  const w = Float32Array.from({ length: 64 }, (_, i) => i - 32); // 2 rows × 32, exact in Q8_0 (d = 32/127? no: amax 32)
  return writeGguf({
    version,
    alignment,
    metadata: {
      'general.architecture': 'llama',
      ...(alignment ? { 'general.alignment': alignment } : {}),
      'llama.block_count': 1,
      'llama.rope.freq_base': 10000.5,
      'test.i64': { type: 'i64', value: -5 },
      'test.flag': true,
      'tokenizer.ggml.tokens': { type: 'array', elementType: 'string', value: ['a', 'b', 'ü'] },
      'tokenizer.ggml.scores': { type: 'array', elementType: 'f32', value: [0.5, -1, 2] },
    },
    tensors: [
      { name: 'norm', ggmlType: 'F32', dims: [4], data: f32Bytes([1, 2, 3, 4]) },
      { name: 'q8', ggmlType: 'Q8_0', dims: [32, 2], data: quantizeQ8_0Ref(w) },
    ],
  });
}

async function expectFormatError(bytes: Uint8Array, pattern: RegExp): Promise<void> {
  await expect(parseGgufHeader(byteSourceFromBytes(bytes, 'x.gguf'))).rejects.toSatisfy(
    (e: unknown) => e instanceof ModelFormatError && pattern.test(e.message),
  );
}

describe('gguf header', () => {
  for (const [version, alignment] of [
    [3, undefined],
    [2, undefined],
    [3, 64],
  ] as const) {
    it(`parses v${version} metadata of all kinds and tensor infos (alignment ${alignment ?? 'default'})`, async () => {
      const file = await parseGgufHeader(byteSourceFromBytes(sample(version, alignment), 'm.gguf'));
      expect(file.version).toBe(version);
      expect(file.alignment).toBe(alignment ?? 32);
      expect(file.dataStartBytes % file.alignment).toBe(0);
      expect(file.metadata['general.architecture']).toBe('llama');
      expect(file.metadata['llama.block_count']).toBe(1);
      expect(file.metadata['llama.rope.freq_base']).toBe(Math.fround(10000.5));
      expect(file.metadata['test.i64']).toBe(-5);
      expect(file.metadata['test.flag']).toBe(true);
      expect(file.metadata['tokenizer.ggml.tokens']).toEqual(['a', 'b', 'ü']);
      expect(file.metadata['tokenizer.ggml.scores']).toEqual([0.5, -1, 2]);
      const q8 = file.tensors.get('q8')!;
      expect(q8.dims).toEqual([32, 2]);
      expect(q8.shape).toEqual([2, 32]);
      expect(q8.ggmlType).toBe('Q8_0');
      expect(Array.from(await readGgufF32(file.tensors.get('norm')!))).toEqual([1, 2, 3, 4]);
      const row1 = await readGgufF32(q8, { first: 1, count: 1 });
      expect(row1.length).toBe(32);
      // amax 32 → d = 32/127 in fp16; values i − 32 for i = 32…63 come back within d/2.
      for (let i = 0; i < 32; i++) expect(Math.abs(row1[i] - i)).toBeLessThan(0.13);
    });
  }

  it('rejects hostile files with readable messages', async () => {
    await expectFormatError(new TextEncoder().encode('GGML....'), /magic "GGUF"/);
    const v1 = sample();
    v1[4] = 1;
    await expectFormatError(v1, /version 1 is not supported/);
    const be = sample();
    be.set([0, 0, 0, 3], 4);
    await expectFormatError(be, /big-endian/);
    await expectFormatError(sample().slice(0, 40), /truncated|exceeds what the remaining/);
    const manyTensors = sample();
    manyTensors.set([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x0f], 8);
    await expectFormatError(manyTensors, /tensor count .* exceeds what the remaining/);
    const manyKv = sample();
    manyKv.set([0xff, 0xff, 0xff, 0x7f, 0, 0, 0, 0], 16);
    await expectFormatError(manyKv, /metadata count/);
    const full = sample();
    await expectFormatError(full.slice(0, full.length - 40), /runs past the .* data bytes/);
    const badType = writeGguf({ metadata: {}, tensors: [{ name: 't', ggmlType: 'F32', dims: [1], data: f32Bytes([1]) }] });
    const typeAt = badType.indexOf(0x74, 24) + 1 + 4 + 8; // after name 't', n_dims, dim
    badType[typeAt] = 99;
    await expectFormatError(badType, /unknown ggml type id 99/);
    await expectFormatError(
      writeGguf({ metadata: {}, tensors: [{ name: 't', ggmlType: 'Q4_0', dims: [16], data: new Uint8Array(18) }] }),
      /not a multiple of the Q4_0 block size 32/,
    );
    await expectFormatError(writeGguf({ metadata: { 'general.alignment': 24 }, tensors: [] }), /alignment 24 is not a power of two/);
  });

  it('fuzz: 10,000 mutated files give a parse or a ModelFormatError, never anything else', async () => {
    const base = sample();
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.nat(base.length - 1), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 6 }),
        fc.option(fc.nat(base.length), { nil: undefined }),
        async (edits, truncateAt) => {
          const bytes = base.slice(0, truncateAt ?? base.length);
          for (const [at, value] of edits) if (at < bytes.length) bytes[at] = value;
          let maxRead = 0;
          const inner = byteSourceFromBytes(bytes, 'fuzz');
          const source = { ...inner, read: (o: number, n: number) => ((maxRead = Math.max(maxRead, n)), inner.read(o, n)) };
          try {
            const file = await parseGgufHeader(source);
            let total = 0;
            for (const t of file.tensors.values()) total += t.sizeBytes;
            expect(total).toBeLessThanOrEqual(bytes.length);
            for (const t of file.tensors.values()) {
              try {
                await readGgufF32(t);
              } catch (e) {
                if (!(e instanceof ModelFormatError)) throw e;
              }
            }
          } catch (e) {
            if (!(e instanceof ModelFormatError)) throw e;
          }
          expect(maxRead).toBeLessThanOrEqual(bytes.length);
        },
      ),
      { numRuns: 10_000, seed: 7 },
    );
  }, 60_000);
});
