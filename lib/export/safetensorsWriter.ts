import { ExportFormatError } from './errors';

/**
 * A float32 tensor to write: row-major `data` of exactly prod(shape) values, stored as dtype F32.
 */
export interface SafetensorsTensorF32 {
  name: string;
  /** Row-major shape, non-negative integers (shape [] = scalar holding 1 value). */
  shape: readonly number[];
  data: Float32Array;
}

/** The safetensors alignment we pad the header to, so tensor data starts 8-byte aligned. */
export const SAFETENSORS_ALIGNMENT_BYTES = 8;

const LITTLE_ENDIAN_HOST = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * Serialises float32 tensors as one safetensors file (huggingface/safetensors format):
 *   [u64 LE header length N][N bytes of JSON, space-padded so 8 + N is a multiple of 8][data]
 * The JSON maps each name to {dtype: "F32", shape, data_offsets: [begin, end]} (offsets relative
 * to the data section), tensors stored back to back in the order given, little-endian; optional
 * `__metadata__` (string → string) first. Output: Uint8Array of the whole file. Pure (no Node
 * built-ins), so the browser UI can offer the same bytes as a download.
 * Throws ExportFormatError for an empty or duplicate name, '__metadata__' as a tensor name, a bad
 * shape, or data whose length is not prod(shape).
 */
export function writeSafetensorsF32(tensors: readonly SafetensorsTensorF32[], metadata?: Readonly<Record<string, string>>): Uint8Array {
  const header: Record<string, unknown> = {};
  if (metadata !== undefined) {
    for (const [k, v] of Object.entries(metadata)) {
      if (typeof v !== 'string') throw new ExportFormatError(`safetensors metadata '${k}' must be a string, got ${typeof v}`);
    }
    header.__metadata__ = { ...metadata };
  }
  let dataBytes = 0;
  for (const t of tensors) {
    if (typeof t.name !== 'string' || t.name === '') throw new ExportFormatError('safetensors: a tensor name is empty');
    if (t.name === '__metadata__') throw new ExportFormatError("safetensors: '__metadata__' is reserved and cannot name a tensor");
    if (Object.prototype.hasOwnProperty.call(header, t.name)) throw new ExportFormatError(`safetensors: tensor '${t.name}' given twice`);
    let count = 1;
    for (const d of t.shape) {
      if (!Number.isSafeInteger(d) || d < 0)
        throw new ExportFormatError(`safetensors: tensor '${t.name}' has shape [${t.shape.join(', ')}], dims must be integers ≥ 0`);
      count *= d;
    }
    if (t.data.length !== count) {
      throw new ExportFormatError(`safetensors: tensor '${t.name}' has ${t.data.length} values, shape [${t.shape.join(', ')}] needs ${count}`);
    }
    const begin = dataBytes;
    dataBytes += count * 4;
    header[t.name] = { dtype: 'F32', shape: [...t.shape], data_offsets: [begin, dataBytes] };
  }
  const json = new TextEncoder().encode(JSON.stringify(header));
  const padded = Math.ceil((8 + json.length) / SAFETENSORS_ALIGNMENT_BYTES) * SAFETENSORS_ALIGNMENT_BYTES - 8;
  const out = new Uint8Array(8 + padded + dataBytes);
  const view = new DataView(out.buffer);
  view.setUint32(0, padded % 2 ** 32, true);
  view.setUint32(4, Math.floor(padded / 2 ** 32), true);
  out.set(json, 8);
  out.fill(0x20, 8 + json.length, 8 + padded); // the format pads the JSON with spaces
  let offset = 8 + padded;
  for (const t of tensors) {
    if (LITTLE_ENDIAN_HOST) {
      out.set(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.length * 4), offset);
    } else {
      for (let i = 0; i < t.data.length; i++) view.setFloat32(offset + 4 * i, t.data[i], true);
    }
    offset += t.data.length * 4;
  }
  return out;
}
