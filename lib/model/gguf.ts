import { dequantizeGgml } from '../quant/gguf/dequantize';
import { ggmlTypeById, ggmlTypeByName } from '../quant/gguf/types';
import type { ByteSource } from './byteSource';
import { ModelFormatError } from './errors';

// Our own GGUF v2/v3 reader rather than @huggingface/gguf: that package is built around
// fetching URLs (a Range-serving fetch shim over a ByteSource would be needed) and it sizes
// arrays from counts in the file without bounding them by the bytes left, which a hostile
// file can exploit. This parser checks every count/length against the remaining file size
// before allocating, and the whole format is a few hundred lines.

export type GgufValue = number | bigint | string | boolean | GgufValue[];

export interface GgufTensorInfo {
  name: string;
  /** ggml type name, e.g. 'Q4_K'. */
  ggmlType: string;
  /** ggml ne[] order: dims[0] is the contiguous axis (input features of a weight). */
  dims: number[];
  /** Row-major shape (dims reversed), so shape[0] is the row axis as in Hugging Face. */
  shape: number[];
  elementCount: number;
  fileOffsetBytes: number;
  sizeBytes: number;
  source: ByteSource;
}

export interface GgufFile {
  source: ByteSource;
  version: number;
  /** Null-prototype record of all metadata keys. */
  metadata: Record<string, GgufValue>;
  tensors: Map<string, GgufTensorInfo>;
  alignment: number;
  /** Offset of the tensor data section. */
  dataStartBytes: number;
  /** Every byte before the data section (hashed for the model identity). */
  headerBytes: Uint8Array;
}

/** Metadata beyond this is refused (large-vocab tokenizers take ~10 MB). */
export const GGUF_MAX_HEADER_BYTES = 256 * 1024 * 1024;
const MAX_ARRAY_NESTING = 4;

const NEED_MORE = Symbol('need more bytes');

// GGUF value type ids → fixed byte sizes (string/array are variable).
const FIXED_SIZE: Record<number, number> = { 0: 1, 1: 1, 2: 2, 3: 2, 4: 4, 5: 4, 6: 4, 7: 1, 10: 8, 11: 8, 12: 8 };
const TYPE_STRING = 8;
const TYPE_ARRAY = 9;

class Cursor {
  pos = 0;
  private readonly view: DataView;
  private readonly decoder = new TextDecoder('utf-8', { fatal: true });
  constructor(
    private readonly buf: Uint8Array,
    private readonly fileSize: number,
    private readonly fileName: string,
  ) {
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }
  fail(message: string): never {
    throw new ModelFormatError(`${this.fileName}: not a valid GGUF file: ${message}`);
  }
  remaining(): number {
    return this.fileSize - this.pos;
  }
  need(n: number, what: string): void {
    if (n > this.fileSize - this.pos) this.fail(`${what} at offset ${this.pos} needs ${n} bytes, only ${this.fileSize - this.pos} left (truncated?)`);
    if (this.pos + n > this.buf.length) throw NEED_MORE;
  }
  u8(): number {
    this.need(1, 'value');
    return this.buf[this.pos++];
  }
  u32(): number {
    this.need(4, 'uint32');
    const v = this.view.getUint32(this.pos, true);
    this.pos += 4;
    return v;
  }
  /** uint64 as number when exact, else bigint. */
  u64(): number | bigint {
    this.need(8, 'uint64');
    const v = this.view.getBigUint64(this.pos, true);
    this.pos += 8;
    return v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
  }
  /** A uint64 count/length that must be a safe integer ≤ limit. */
  count(what: string, limit: number): number {
    const v = this.u64();
    if (typeof v === 'bigint' || v > limit) this.fail(`${what} ${String(v)} exceeds what the remaining ${this.remaining()} bytes can hold`);
    return v;
  }
  string(what: string): string {
    const length = this.count(`${what} length`, this.remaining() - 8);
    this.need(length, what);
    let s: string;
    try {
      s = this.decoder.decode(this.buf.subarray(this.pos, this.pos + length));
    } catch {
      this.fail(`${what} at offset ${this.pos} is not valid UTF-8`);
    }
    this.pos += length;
    return s;
  }
  value(type: number, depth: number): GgufValue {
    switch (type) {
      case 0:
        return this.u8();
      case 1:
        return (this.u8() << 24) >> 24;
      case 2:
        this.need(2, 'uint16');
        this.pos += 2;
        return this.view.getUint16(this.pos - 2, true);
      case 3:
        this.need(2, 'int16');
        this.pos += 2;
        return this.view.getInt16(this.pos - 2, true);
      case 4:
        return this.u32();
      case 5:
        this.need(4, 'int32');
        this.pos += 4;
        return this.view.getInt32(this.pos - 4, true);
      case 6:
        this.need(4, 'float32');
        this.pos += 4;
        return this.view.getFloat32(this.pos - 4, true);
      case 7: {
        const b = this.u8();
        if (b > 1) this.fail(`bool value ${b} at offset ${this.pos - 1}`);
        return b === 1;
      }
      case TYPE_STRING:
        return this.string('string');
      case TYPE_ARRAY: {
        if (depth >= MAX_ARRAY_NESTING) this.fail(`arrays nested deeper than ${MAX_ARRAY_NESTING}`);
        const elemType = this.u32();
        const minSize = elemType === TYPE_STRING ? 8 : elemType === TYPE_ARRAY ? 12 : FIXED_SIZE[elemType];
        if (minSize === undefined) this.fail(`unknown array element type ${elemType}`);
        const n = this.count('array length', Math.floor((this.remaining() - 8) / minSize));
        this.need(n * minSize, 'array');
        const out: GgufValue[] = new Array<GgufValue>(n);
        for (let i = 0; i < n; i++) out[i] = this.value(elemType, depth + 1);
        return out;
      }
      case 10:
        return this.u64();
      case 11: {
        this.need(8, 'int64');
        const v = this.view.getBigInt64(this.pos, true);
        this.pos += 8;
        return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
      }
      case 12:
        this.need(8, 'float64');
        this.pos += 8;
        return this.view.getFloat64(this.pos - 8, true);
      default:
        this.fail(`unknown metadata value type ${type} at offset ${this.pos - 4}`);
    }
  }
}

interface ParsedHeader {
  version: number;
  metadata: Record<string, GgufValue>;
  rawTensors: Array<{ name: string; typeId: number; dims: number[]; offset: number }>;
  endOfInfos: number;
}

function parseFromBuffer(buf: Uint8Array, fileSize: number, name: string): ParsedHeader {
  const c = new Cursor(buf, fileSize, name);
  c.need(4, 'magic');
  if (buf[0] !== 0x47 || buf[1] !== 0x47 || buf[2] !== 0x55 || buf[3] !== 0x46) c.fail('the file does not start with the magic "GGUF"');
  c.pos = 4;
  const version = c.u32();
  if (version !== 2 && version !== 3) {
    if (version === 0x02000000 || version === 0x03000000) c.fail('big-endian GGUF files are not supported');
    c.fail(`version ${version} is not supported (only GGUF v2 and v3)`);
  }
  // Minimum bytes per tensor info: name length 8 + n_dims 4 + type 4 + offset 8.
  const tensorCount = c.count('tensor count', Math.floor((c.remaining() - 8) / 24));
  // Minimum bytes per key/value: key length 8 + type 4 + 1 value byte.
  const kvCount = c.count('metadata count', Math.floor((c.remaining() - 8) / 13));
  const metadata: Record<string, GgufValue> = Object.create(null) as Record<string, GgufValue>;
  for (let i = 0; i < kvCount; i++) {
    const key = c.string('metadata key');
    if (key in metadata) c.fail(`metadata key "${key}" appears twice`);
    metadata[key] = c.value(c.u32(), 0);
  }
  const rawTensors: ParsedHeader['rawTensors'] = [];
  const seen = new Set<string>();
  for (let i = 0; i < tensorCount; i++) {
    const tensorName = c.string('tensor name');
    if (seen.has(tensorName)) c.fail(`tensor "${tensorName}" appears twice`);
    seen.add(tensorName);
    const nDims = c.u32();
    if (nDims < 1 || nDims > 4) c.fail(`tensor "${tensorName}" has ${nDims} dimensions (1…4 allowed)`);
    const dims: number[] = [];
    for (let d = 0; d < nDims; d++) dims.push(c.count(`tensor "${tensorName}" dimension`, fileSize));
    const typeId = c.u32();
    const offset = c.count(`tensor "${tensorName}" offset`, fileSize);
    rawTensors.push({ name: tensorName, typeId, dims, offset });
  }
  return { version, metadata, rawTensors, endOfInfos: c.pos };
}

/**
 * Parses a GGUF v2/v3 header (metadata and tensor infos) by reading a growing prefix
 * of the file, and validates every tensor: known type, whole blocks, data inside the
 * file, aligned, no overlaps. Tensor data is not read.
 */
export async function parseGgufHeader(source: ByteSource): Promise<GgufFile> {
  const limit = Math.min(source.sizeBytes, GGUF_MAX_HEADER_BYTES);
  let prefixBytes = Math.min(limit, 1 << 20);
  let parsed: ParsedHeader | undefined;
  let buf: Uint8Array = new Uint8Array(0);
  for (;;) {
    buf = await source.read(0, prefixBytes);
    try {
      parsed = parseFromBuffer(buf, source.sizeBytes, source.name);
      break;
    } catch (e) {
      if (e !== NEED_MORE) throw e;
      if (prefixBytes >= limit) {
        throw new ModelFormatError(`${source.name}: GGUF metadata is larger than the ${GGUF_MAX_HEADER_BYTES}-byte limit`);
      }
      prefixBytes = Math.min(limit, prefixBytes * 4);
    }
  }
  const fail = (m: string): never => {
    throw new ModelFormatError(`${source.name}: not a valid GGUF file: ${m}`);
  };
  const alignValue = parsed.metadata['general.alignment'];
  let alignment = 32;
  if (alignValue !== undefined) {
    if (typeof alignValue !== 'number' || !Number.isInteger(alignValue) || alignValue < 1 || alignValue > 1 << 20 || (alignValue & (alignValue - 1)) !== 0) {
      fail(`general.alignment ${String(alignValue)} is not a power of two`);
    }
    alignment = alignValue as number;
  }
  const dataStartBytes = Math.ceil(parsed.endOfInfos / alignment) * alignment;
  if (dataStartBytes > source.sizeBytes) fail(`data section starts at ${dataStartBytes}, past the end of the ${source.sizeBytes}-byte file`);
  const dataLength = source.sizeBytes - dataStartBytes;
  const tensors = new Map<string, GgufTensorInfo>();
  for (const raw of parsed.rawTensors) {
    const type = ggmlTypeById(raw.typeId);
    if (!type) fail(`tensor "${raw.name}" has unknown ggml type id ${raw.typeId}`);
    const t = type!;
    let elementCount = 1;
    for (const d of raw.dims) elementCount *= d;
    if (!Number.isSafeInteger(elementCount)) fail(`tensor "${raw.name}" dims [${raw.dims.join(', ')}] are absurdly large`);
    if (raw.dims[0] % t.blockElements !== 0)
      fail(`tensor "${raw.name}" row length ${raw.dims[0]} is not a multiple of the ${t.name} block size ${t.blockElements}`);
    const sizeBytes = (elementCount / t.blockElements) * t.blockBytes;
    if (raw.offset % alignment !== 0) fail(`tensor "${raw.name}" offset ${raw.offset} is not a multiple of the alignment ${alignment}`);
    if (raw.offset + sizeBytes > dataLength) {
      fail(
        `tensor "${raw.name}" (${t.name}, dims [${raw.dims.join(', ')}], ${sizeBytes} bytes at data offset ${raw.offset}) runs past the ${dataLength} data bytes (truncated?)`,
      );
    }
    tensors.set(raw.name, {
      name: raw.name,
      ggmlType: t.name,
      dims: raw.dims,
      shape: raw.dims.slice().reverse(),
      elementCount,
      fileOffsetBytes: dataStartBytes + raw.offset,
      sizeBytes,
      source,
    });
  }
  const sorted = [...tensors.values()].filter((t) => t.sizeBytes > 0).sort((a, b) => a.fileOffsetBytes - b.fileOffsetBytes);
  for (let i = 1; i < sorted.length; i++) {
    if (sorted[i].fileOffsetBytes < sorted[i - 1].fileOffsetBytes + sorted[i - 1].sizeBytes)
      fail(`tensors "${sorted[i - 1].name}" and "${sorted[i].name}" overlap`);
  }
  return {
    source,
    version: parsed.version,
    metadata: parsed.metadata,
    tensors,
    alignment,
    dataStartBytes,
    headerBytes: buf.slice(0, Math.min(buf.length, dataStartBytes)),
  };
}

/** Rows of a GGUF tensor: shape[0] rows of (elementCount / shape[0]) elements; 1-D: one row. */
export function ggufRowGeometry(info: GgufTensorInfo): { rowCount: number; rowBytes: number; rowElements: number } {
  if (info.dims.length === 1) return { rowCount: 1, rowBytes: info.sizeBytes, rowElements: info.elementCount };
  const rowCount = info.shape[0];
  return { rowCount, rowBytes: rowCount === 0 ? 0 : info.sizeBytes / rowCount, rowElements: rowCount === 0 ? 0 : info.elementCount / rowCount };
}

/** Raw ggml bytes of a tensor or of rows [first, first + count) (row = ne[0] contiguous elements). */
export async function readGgufRaw(info: GgufTensorInfo, rows?: { first: number; count: number }): Promise<Uint8Array> {
  const { rowCount, rowBytes } = ggufRowGeometry(info);
  const first = rows?.first ?? 0;
  const count = rows?.count ?? rowCount;
  if (!Number.isInteger(first) || !Number.isInteger(count) || first < 0 || count < 0 || first + count > rowCount) {
    throw new ModelFormatError(`${info.name}: rows ${first}…${first + count - 1} outside its ${rowCount} rows`);
  }
  return info.source.read(info.fileOffsetBytes + first * rowBytes, count * rowBytes);
}

/**
 * A GGUF tensor (or row range) dequantized to float32, rows in the file's own order.
 * Output: Float32Array[count × rowElements].
 */
export async function readGgufF32(info: GgufTensorInfo, rows?: { first: number; count: number }): Promise<Float32Array> {
  const type = ggmlTypeByName(info.ggmlType);
  if (!type?.decodable) throw new ModelFormatError(`${info.name}: ggml type ${info.ggmlType} cannot be dequantized here`);
  const raw = await readGgufRaw(info, rows);
  const { rowElements, rowBytes } = ggufRowGeometry(info);
  const elements = rowBytes === 0 ? 0 : (raw.length / rowBytes) * rowElements;
  return dequantizeGgml(info.ggmlType, raw, elements);
}
