import { bf16BitsToFloat32, fp16BitsToFloat32, halfBitsToFloat32InPlace } from '../quant/half';
import type { ByteSource } from './byteSource';
import { ModelFormatError } from './errors';

/** Largest JSON header we accept (the format's own reference parser uses 100 MB). */
export const SAFETENSORS_MAX_HEADER_BYTES = 100_000_000;

/** Element sizes of the safetensors dtypes we recognise (listing works for all of them). */
const DTYPE_BYTES: Record<string, number> = {
  F64: 8,
  F32: 4,
  F16: 2,
  BF16: 2,
  I64: 8,
  I32: 4,
  I16: 2,
  I8: 1,
  U64: 8,
  U32: 4,
  U16: 2,
  U8: 1,
  BOOL: 1,
  F8_E4M3: 1,
  F8_E5M2: 1,
};

/** dtypes tensorF32 converts; I8/U8 are readable raw (readSafetensorsRaw). */
export const SAFETENSORS_FLOAT_DTYPES = ['F32', 'F16', 'BF16'] as const;

export interface SafetensorsTensorInfo {
  name: string;
  dtype: string;
  /** Row-major shape; shape[0] is the row axis (out_features for a Linear weight). */
  shape: number[];
  /** Absolute byte offset of the tensor's data in its file. */
  fileOffsetBytes: number;
  sizeBytes: number;
  source: ByteSource;
}

export interface SafetensorsFile {
  source: ByteSource;
  /** The 8 length bytes + JSON header, exactly as stored (hashed for the model identity). */
  headerBytes: Uint8Array;
  tensors: Map<string, SafetensorsTensorInfo>;
  metadata: Record<string, string>;
}

function fail(source: ByteSource, message: string): never {
  throw new ModelFormatError(`${source.name}: not a valid safetensors file: ${message}`);
}

function isCount(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}

/**
 * Reads and validates a safetensors header (8-byte LE length, JSON) without touching
 * tensor data. Every tensor must have a known dtype, a shape whose byte size equals its
 * data_offsets span, lie inside the file and not overlap another tensor.
 */
export async function parseSafetensorsHeader(source: ByteSource): Promise<SafetensorsFile> {
  if (source.sizeBytes < 8) fail(source, `file is ${source.sizeBytes} bytes, shorter than the 8-byte header length`);
  const lengthBytes = await source.read(0, 8);
  const view = new DataView(lengthBytes.buffer, lengthBytes.byteOffset, 8);
  const high = view.getUint32(4, true);
  const headerLength = high * 2 ** 32 + view.getUint32(0, true);
  if (headerLength > SAFETENSORS_MAX_HEADER_BYTES) {
    fail(source, `header length ${headerLength} bytes exceeds the ${SAFETENSORS_MAX_HEADER_BYTES}-byte limit`);
  }
  if (8 + headerLength > source.sizeBytes) {
    fail(source, `header length ${headerLength} bytes runs past the end of the ${source.sizeBytes}-byte file (truncated?)`);
  }
  const headerBytes = new Uint8Array(8 + headerLength);
  headerBytes.set(lengthBytes, 0);
  headerBytes.set(await source.read(8, headerLength), 8);
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(headerBytes.subarray(8)));
  } catch (e) {
    fail(source, `header is not valid UTF-8 JSON (${e instanceof Error ? e.message.slice(0, 120) : 'parse error'})`);
  }
  if (json === null || typeof json !== 'object' || Array.isArray(json)) fail(source, 'header JSON is not an object');
  const dataStart = 8 + headerLength;
  const dataLength = source.sizeBytes - dataStart;
  const tensors = new Map<string, SafetensorsTensorInfo>();
  const metadata: Record<string, string> = {};
  for (const [name, entry] of Object.entries(json as Record<string, unknown>)) {
    if (name === '__metadata__') {
      if (entry !== null && typeof entry === 'object' && !Array.isArray(entry)) {
        for (const [k, v] of Object.entries(entry as Record<string, unknown>)) if (typeof v === 'string') metadata[k] = v;
      }
      continue;
    }
    if (entry === null || typeof entry !== 'object' || Array.isArray(entry)) fail(source, `entry "${name}" is not an object`);
    const { dtype, shape, data_offsets: offsets } = entry as Record<string, unknown>;
    if (typeof dtype !== 'string' || !(dtype in DTYPE_BYTES)) {
      fail(source, `tensor "${name}" has unknown dtype ${JSON.stringify(dtype)}; known: ${Object.keys(DTYPE_BYTES).join(', ')}`);
    }
    if (!Array.isArray(shape) || shape.length > 8 || !shape.every(isCount)) {
      fail(source, `tensor "${name}" shape ${JSON.stringify(shape)} is not a list of at most 8 non-negative integers`);
    }
    if (!Array.isArray(offsets) || offsets.length !== 2 || !isCount(offsets[0]) || !isCount(offsets[1]) || offsets[1] < offsets[0]) {
      fail(source, `tensor "${name}" data_offsets ${JSON.stringify(offsets)} is not [begin, end] with begin ≤ end`);
    }
    let elements = 1;
    for (const dim of shape as number[]) elements *= dim;
    const expectedBytes = elements * DTYPE_BYTES[dtype];
    const [begin, end] = offsets as number[];
    if (!Number.isSafeInteger(expectedBytes) || expectedBytes !== end - begin) {
      fail(
        source,
        `tensor "${name}" shape [${(shape as number[]).join(', ')}] × ${dtype} = ${expectedBytes} bytes, but data_offsets span ${end - begin} bytes`,
      );
    }
    if (end > dataLength) {
      fail(source, `tensor "${name}" data ends at ${end}, past the ${dataLength} data bytes in the file (truncated?)`);
    }
    tensors.set(name, { name, dtype, shape: (shape as number[]).slice(), fileOffsetBytes: dataStart + begin, sizeBytes: end - begin, source });
  }
  const sorted = [...tensors.values()].filter((t) => t.sizeBytes > 0).sort((a, b) => a.fileOffsetBytes - b.fileOffsetBytes);
  for (let i = 1; i < sorted.length; i++) {
    const prev = sorted[i - 1];
    if (sorted[i].fileOffsetBytes < prev.fileOffsetBytes + prev.sizeBytes) {
      fail(source, `tensors "${prev.name}" and "${sorted[i].name}" overlap`);
    }
  }
  return { source, headerBytes, tensors, metadata };
}

/** Bytes of one row (first dimension) of a tensor; a 0-D or 1-D tensor has 1-element rows. */
export function safetensorsRowBytes(info: SafetensorsTensorInfo): { rowCount: number; rowBytes: number } {
  if (info.shape.length <= 1) return { rowCount: info.shape.length === 0 ? 1 : info.shape[0], rowBytes: DTYPE_BYTES[info.dtype] };
  const rowCount = info.shape[0];
  return { rowCount, rowBytes: rowCount === 0 ? 0 : info.sizeBytes / rowCount };
}

/** File byte range of rows [first, first + count) of a tensor (default all); throws outside its rows. */
function rowByteRange(info: SafetensorsTensorInfo, rows?: { first: number; count: number }): { offsetBytes: number; lengthBytes: number } {
  const { rowCount, rowBytes } = safetensorsRowBytes(info);
  const first = rows?.first ?? 0;
  const count = rows?.count ?? rowCount;
  if (!Number.isInteger(first) || !Number.isInteger(count) || first < 0 || count < 0 || first + count > rowCount) {
    throw new ModelFormatError(`${info.name}: rows ${first}…${first + count - 1} outside its ${rowCount} rows`);
  }
  return { offsetBytes: info.fileOffsetBytes + first * rowBytes, lengthBytes: count * rowBytes };
}

/**
 * Raw little-endian bytes of a tensor, or of rows [first, first + count) of its first
 * dimension, read by byte range. Output: Uint8Array[count × rowBytes].
 */
export async function readSafetensorsRaw(info: SafetensorsTensorInfo, rows?: { first: number; count: number }): Promise<Uint8Array> {
  const { offsetBytes, lengthBytes } = rowByteRange(info, rows);
  return info.source.read(offsetBytes, lengthBytes);
}

/**
 * A tensor (or a row range of it) as float32, in the file's row-major order.
 * F32/F16/BF16 only; other dtypes throw ModelFormatError naming the dtype.
 */
export async function readSafetensorsF32(info: SafetensorsTensorInfo, rows?: { first: number; count: number }): Promise<Float32Array> {
  if (!(SAFETENSORS_FLOAT_DTYPES as readonly string[]).includes(info.dtype)) {
    throw new ModelFormatError(`${info.name}: dtype ${info.dtype} cannot be read as float32 (supported: ${SAFETENSORS_FLOAT_DTYPES.join(', ')})`);
  }
  const half = info.dtype === 'F16' ? 'f16' : info.dtype === 'BF16' ? 'bf16' : null;
  if (half && info.source.readInto) {
    // The file's 16-bit patterns go straight into the upper half of the float32 array returned,
    // expanded in place: one allocation, no copy (a 1B-class layer reads ~2× faster this way).
    const { offsetBytes, lengthBytes } = rowByteRange(info, rows);
    const n = lengthBytes / 2;
    const out = new Float32Array(n);
    await info.source.readInto(offsetBytes, new Uint8Array(out.buffer, lengthBytes, lengthBytes));
    return halfBitsToFloat32InPlace(out, half);
  }
  const raw = await readSafetensorsRaw(info, rows);
  // Copy into a fresh, aligned buffer (file offsets need not be multiples of 4; the caller owns
  // the result). 16-bit data is converted into a new array anyway, so it is copied only when odd.
  if (info.dtype === 'F32') {
    const aligned = raw.slice();
    return new Float32Array(aligned.buffer, 0, aligned.length / 4);
  }
  const aligned = raw.byteOffset % 2 === 0 ? raw : raw.slice();
  const bits = new Uint16Array(aligned.buffer, aligned.byteOffset, aligned.length / 2);
  return half === 'f16' ? fp16BitsToFloat32(bits) : bf16BitsToFloat32(bits);
}

/**
 * `model.safetensors.index.json` → tensor name → shard file name. Throws when the JSON
 * has no `weight_map` object of strings.
 */
export function parseSafetensorsIndex(jsonText: string, name: string): Map<string, string> {
  let json: unknown;
  try {
    json = JSON.parse(jsonText);
  } catch {
    throw new ModelFormatError(`${name}: not valid JSON`);
  }
  const weightMap = (json as { weight_map?: unknown } | null)?.weight_map;
  if (weightMap === null || typeof weightMap !== 'object' || Array.isArray(weightMap)) {
    throw new ModelFormatError(`${name}: has no "weight_map" object`);
  }
  const out = new Map<string, string>();
  for (const [tensor, shard] of Object.entries(weightMap as Record<string, unknown>)) {
    if (typeof shard !== 'string') throw new ModelFormatError(`${name}: weight_map["${tensor}"] is not a file name`);
    out.set(tensor, shard);
  }
  return out;
}
