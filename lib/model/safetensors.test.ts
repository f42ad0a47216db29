import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { byteSourceFromBytes } from './byteSource';
import { ModelFormatError } from './errors';
import { parseSafetensorsHeader, parseSafetensorsIndex, readSafetensorsF32, readSafetensorsRaw } from './safetensors';
import { f32Bytes, writeSafetensors } from './testing/safetensorsWriter';

function sample(): Uint8Array {
  return writeSafetensors(
    [
      { name: 'w', dtype: 'F32', shape: [3, 2], data: f32Bytes([1, 2, 3, 4, 5, 6]) },
      { name: 'h', dtype: 'F16', shape: [2], data: new Uint8Array([0x00, 0x3c, 0x00, 0xc0]) },
      { name: 'b', dtype: 'BF16', shape: [1, 2], data: new Uint8Array([0x80, 0x3f, 0x40, 0xc0]) },
      { name: 'q', dtype: 'I8', shape: [2], data: new Uint8Array([0xff, 7]) },
    ],
    { format: 'pt' },
  );
}

async function expectFormatError(bytes: Uint8Array, pattern: RegExp): Promise<void> {
  await expect(parseSafetensorsHeader(byteSourceFromBytes(bytes, 'x.safetensors'))).rejects.toSatisfy(
    (e: unknown) => e instanceof ModelFormatError && pattern.test(e.message),
  );
}

function withHeader(header: object, dataBytes: number): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + dataBytes);
  new DataView(out.buffer).setUint32(0, json.length, true);
  out.set(json, 8);
  return out;
}

describe('safetensors', () => {
  it('lists tensors and reads F32/F16/BF16 as float32, I8 raw', async () => {
    const file = await parseSafetensorsHeader(byteSourceFromBytes(sample(), 'm.safetensors'));
    expect([...file.tensors.keys()]).toEqual(['w', 'h', 'b', 'q']);
    expect(file.metadata.format).toBe('pt');
    expect(Array.from(await readSafetensorsF32(file.tensors.get('w')!))).toEqual([1, 2, 3, 4, 5, 6]);
    expect(Array.from(await readSafetensorsF32(file.tensors.get('w')!, { first: 1, count: 2 }))).toEqual([3, 4, 5, 6]);
    expect(Array.from(await readSafetensorsF32(file.tensors.get('h')!))).toEqual([1, -2]);
    expect(Array.from(await readSafetensorsF32(file.tensors.get('b')!))).toEqual([1, -3]);
    expect(Array.from(await readSafetensorsRaw(file.tensors.get('q')!))).toEqual([255, 7]);
    await expect(readSafetensorsF32(file.tensors.get('q')!)).rejects.toThrow(/I8 cannot be read as float32/);
    await expect(readSafetensorsF32(file.tensors.get('w')!, { first: 2, count: 2 })).rejects.toThrow(/rows 2…3 outside its 3 rows/);
  });

  it('reads only the requested byte ranges', async () => {
    const bytes = sample();
    const reads: Array<[number, number]> = [];
    const inner = byteSourceFromBytes(bytes, 'm');
    const source = { ...inner, read: (o: number, n: number) => (reads.push([o, n]), inner.read(o, n)) };
    const file = await parseSafetensorsHeader(source);
    reads.length = 0;
    await readSafetensorsF32(file.tensors.get('w')!, { first: 2, count: 1 });
    expect(reads).toEqual([[file.tensors.get('w')!.fileOffsetBytes + 16, 8]]);
  });

  it('a source with readInto reads F16/BF16 straight into the float32 result: same values, same byte ranges', async () => {
    // Every 16-bit pattern, as F16 and as BF16 [256, 256], so NaN payloads and subnormals are covered.
    const patterns = new Uint16Array(65536).map((_, i) => i);
    const raw = new Uint8Array(patterns.buffer);
    const bytes = writeSafetensors([
      { name: 'h', dtype: 'F16', shape: [256, 256], data: raw },
      { name: 'b', dtype: 'BF16', shape: [256, 256], data: raw },
    ]);
    const plain = byteSourceFromBytes(bytes, 'm');
    const reads: Array<[number, number]> = [];
    const into = {
      ...plain,
      readInto: async (o: number, target: Uint8Array) => (reads.push([o, target.length]), target.set(await plain.read(o, target.length))),
    };
    const a = await parseSafetensorsHeader(plain);
    const b = await parseSafetensorsHeader(into);
    for (const name of ['h', 'b']) {
      for (const rows of [undefined, { first: 3, count: 7 }]) {
        reads.length = 0;
        const viaRead = await readSafetensorsF32(a.tensors.get(name)!, rows);
        const viaInto = await readSafetensorsF32(b.tensors.get(name)!, rows);
        expect(reads).toEqual([[b.tensors.get(name)!.fileOffsetBytes + 512 * (rows?.first ?? 0), 512 * (rows?.count ?? 256)]]);
        expect(viaInto.length).toBe(viaRead.length);
        // Bit patterns, not values: NaN payloads must survive too.
        expect(Buffer.from(viaInto.buffer).equals(Buffer.from(viaRead.buffer))).toBe(true);
      }
    }
    await expect(readSafetensorsF32(b.tensors.get('h')!, { first: 250, count: 7 })).rejects.toThrow(/rows 250…256 outside its 256 rows/);
  });

  it('rejects hostile headers with readable messages', async () => {
    await expectFormatError(new Uint8Array(5), /shorter than the 8-byte header length/);
    const huge = new Uint8Array(16);
    new DataView(huge.buffer).setUint32(0, 200_000_000, true);
    await expectFormatError(huge, /exceeds the 100000000-byte limit/);
    const past = new Uint8Array(16);
    new DataView(past.buffer).setUint32(0, 1000, true);
    await expectFormatError(past, /runs past the end/);
    await expectFormatError(withHeader({ a: { dtype: 'F32', shape: [2], data_offsets: [0, 12] } }, 12), /\[2\] × F32 = 8 bytes, but data_offsets span 12/);
    await expectFormatError(withHeader({ a: { dtype: 'Q9', shape: [2], data_offsets: [0, 8] } }, 8), /unknown dtype "Q9"/);
    await expectFormatError(withHeader({ a: { dtype: 'F32', shape: [4], data_offsets: [0, 16] } }, 8), /past the 8 data bytes/);
    await expectFormatError(
      withHeader({ a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] }, b: { dtype: 'F32', shape: [2], data_offsets: [4, 12] } }, 12),
      /overlap/,
    );
    await expectFormatError(withHeader({ a: { dtype: 'F32', shape: [-1], data_offsets: [0, 0] } }, 0), /shape/);
    await expectFormatError(withHeader([1, 2], 0), /not an object/);
    const notJson = withHeader({}, 0);
    notJson[8] = 0x7b;
    notJson[9] = 0x7b;
    await expectFormatError(notJson, /not valid UTF-8 JSON/);
  });

  it('parses the shard index', () => {
    const map = parseSafetensorsIndex(JSON.stringify({ metadata: {}, weight_map: { a: 'model-00001-of-00002.safetensors' } }), 'idx');
    expect(map.get('a')).toBe('model-00001-of-00002.safetensors');
    expect(() => parseSafetensorsIndex('{}', 'idx')).toThrow(/no "weight_map"/);
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
            const file = await parseSafetensorsHeader(source);
            let total = 0;
            for (const t of file.tensors.values()) total += t.sizeBytes;
            expect(total).toBeLessThanOrEqual(bytes.length);
            for (const t of file.tensors.values()) if (['F32', 'F16', 'BF16'].includes(t.dtype)) await readSafetensorsF32(t);
          } catch (e) {
            if (!(e instanceof ModelFormatError)) throw e;
          }
          expect(maxRead).toBeLessThanOrEqual(bytes.length);
        },
      ),
      { numRuns: 10_000, seed: 42 },
    );
  }, 60_000);
});
