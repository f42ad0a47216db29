/**
 * A BF16 safetensors shard written to disk chunk by chunk, so a 2.5 GB checkpoint never sits in
 * memory. lib/export/safetensorsWriter.ts (the project's writer) builds a whole F32 file as one
 * Uint8Array for the browser download; this is the same container (u64 LE header length, JSON
 * header space-padded to the 8-byte alignment, tensors back to back) with BF16 data streamed.
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import { SAFETENSORS_ALIGNMENT_BYTES } from '../../../lib/export/safetensorsWriter';
import { float32ToBf16Bits } from '../../../lib/quant/half';
import { elementCount } from './shape';

export interface StreamedTensor {
  name: string;
  shape: number[];
}

/**
 * The header of a BF16 shard holding `tensors` in order: 8-byte LE length, then the JSON
 * ({name: {dtype: 'BF16', shape, data_offsets}}, `__metadata__` first) space-padded so the data
 * starts 8-byte aligned. Returns the bytes and the data section's size in bytes (2 per element).
 */
export function bf16ShardHeader(tensors: readonly StreamedTensor[], metadata: Readonly<Record<string, string>>): { header: Uint8Array; dataBytes: number } {
  const json: Record<string, unknown> = { __metadata__: { ...metadata } };
  let dataBytes = 0;
  for (const t of tensors) {
    if (Object.prototype.hasOwnProperty.call(json, t.name)) throw new Error(`safetensors shard: tensor '${t.name}' given twice`);
    const begin = dataBytes;
    dataBytes += 2 * elementCount(t.shape);
    json[t.name] = { dtype: 'BF16', shape: t.shape, data_offsets: [begin, dataBytes] };
  }
  const text = new TextEncoder().encode(JSON.stringify(json));
  const padded = Math.ceil((8 + text.length) / SAFETENSORS_ALIGNMENT_BYTES) * SAFETENSORS_ALIGNMENT_BYTES - 8;
  const header = new Uint8Array(8 + padded).fill(0x20);
  const view = new DataView(header.buffer);
  view.setUint32(0, padded % 2 ** 32, true);
  view.setUint32(4, Math.floor(padded / 2 ** 32), true);
  header.set(text, 8);
  return { header, dataBytes };
}

/**
 * Writes one BF16 shard at `path`: the header, then for each tensor the float32 chunks that
 * `chunksOf(tensor)` yields (row-major, any chunk sizes summing to the element count), each
 * rounded to bfloat16 (nearest, ties to even: lib/quant/half.ts) and written at once. Little-endian
 * host assumed (x86/ARM Linux, where this runs). Returns the file size in bytes.
 * Throws when a tensor's chunks do not add up to its element count.
 */
export function writeBf16Shard(
  path: string,
  tensors: readonly StreamedTensor[],
  metadata: Readonly<Record<string, string>>,
  chunksOf: (tensor: StreamedTensor) => Iterable<Float32Array>,
): number {
  const { header, dataBytes } = bf16ShardHeader(tensors, metadata);
  const fd = openSync(path, 'w');
  try {
    writeSync(fd, header);
    for (const t of tensors) {
      const want = elementCount(t.shape);
      let got = 0;
      for (const chunk of chunksOf(t)) {
        got += chunk.length;
        if (got > want) break;
        const bits = float32ToBf16Bits(chunk);
        writeSync(fd, new Uint8Array(bits.buffer, bits.byteOffset, bits.byteLength));
      }
      if (got !== want) throw new Error(`safetensors shard: tensor '${t.name}' [${t.shape.join(', ')}] needs ${want} values, the generator gave ${got}`);
    }
  } finally {
    closeSync(fd);
  }
  return header.length + dataBytes;
}
