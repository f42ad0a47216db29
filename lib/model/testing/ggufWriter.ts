import { ggmlTypeByName } from '../../quant/gguf/types';

/**
 * Test-only: writes GGUF v2/v3 files in the real layout (little-endian header, metadata
 * KVs, tensor infos, padding to `alignment`, tensor data at aligned offsets).
 */
export type GgufWriteValue =
  | string
  | boolean
  | number
  | { type: 'u8' | 'i8' | 'u16' | 'i16' | 'u32' | 'i32' | 'f32' | 'u64' | 'i64' | 'f64'; value: number }
  | { type: 'array'; elementType: 'string' | 'f32' | 'i32' | 'u32' | 'u8'; value: Array<string | number> };

export interface GgufTensorToWrite {
  name: string;
  ggmlType: string;
  /** ne order: dims[0] is the contiguous axis. */
  dims: number[];
  data: Uint8Array;
}

const TYPE_IDS = { u8: 0, i8: 1, u16: 2, i16: 3, u32: 4, i32: 5, f32: 6, bool: 7, string: 8, array: 9, u64: 10, i64: 11, f64: 12 } as const;

class Out {
  bytes: number[] = [];
  u8(v: number): void {
    this.bytes.push(v & 0xff);
  }
  le(v: number | bigint, n: number): void {
    let b = BigInt.asUintN(n * 8, BigInt(v));
    for (let i = 0; i < n; i++) {
      this.bytes.push(Number(b & 0xffn));
      b >>= 8n;
    }
  }
  f32(v: number): void {
    const a = new Uint8Array(new Float32Array([v]).buffer);
    this.bytes.push(...a);
  }
  f64(v: number): void {
    const a = new Uint8Array(new Float64Array([v]).buffer);
    this.bytes.push(...a);
  }
  str(s: string): void {
    const e = new TextEncoder().encode(s);
    this.le(e.length, 8);
    for (const b of e) this.bytes.push(b);
  }
  scalar(type: keyof typeof TYPE_IDS, v: string | number | boolean): void {
    switch (type) {
      case 'u8':
      case 'i8':
        this.u8(Number(v));
        break;
      case 'u16':
      case 'i16':
        this.le(Number(v), 2);
        break;
      case 'u32':
      case 'i32':
        this.le(Number(v), 4);
        break;
      case 'u64':
      case 'i64':
        this.le(Number(v), 8);
        break;
      case 'f32':
        this.f32(Number(v));
        break;
      case 'f64':
        this.f64(Number(v));
        break;
      case 'bool':
        this.u8(v ? 1 : 0);
        break;
      case 'string':
        this.str(String(v));
        break;
      default:
        throw new Error(`scalar type ${type}`);
    }
  }
}

export function writeGguf(options: {
  metadata: Record<string, GgufWriteValue>;
  tensors: GgufTensorToWrite[];
  version?: 2 | 3;
  alignment?: number;
}): Uint8Array {
  const alignment = options.alignment ?? 32;
  const o = new Out();
  o.bytes.push(0x47, 0x47, 0x55, 0x46);
  o.le(options.version ?? 3, 4);
  o.le(options.tensors.length, 8);
  const kvs = Object.entries(options.metadata);
  o.le(kvs.length, 8);
  for (const [key, v] of kvs) {
    o.str(key);
    if (typeof v === 'string') {
      o.le(TYPE_IDS.string, 4);
      o.str(v);
    } else if (typeof v === 'boolean') {
      o.le(TYPE_IDS.bool, 4);
      o.u8(v ? 1 : 0);
    } else if (typeof v === 'number') {
      const t = Number.isInteger(v) && v >= 0 ? 'u32' : 'f32';
      o.le(TYPE_IDS[t], 4);
      o.scalar(t, v);
    } else if (v.type === 'array') {
      o.le(TYPE_IDS.array, 4);
      const et = v.elementType === 'string' ? 'string' : v.elementType;
      o.le(TYPE_IDS[et], 4);
      o.le(v.value.length, 8);
      for (const e of v.value) o.scalar(et, e);
    } else {
      o.le(TYPE_IDS[v.type], 4);
      o.scalar(v.type, v.value);
    }
  }
  let dataOffset = 0;
  const offsets: number[] = [];
  for (const t of options.tensors) {
    const info = ggmlTypeByName(t.ggmlType);
    if (!info) throw new Error(`writer: unknown type ${t.ggmlType}`);
    o.str(t.name);
    o.le(t.dims.length, 4);
    for (const d of t.dims) o.le(d, 8);
    o.le(info.id, 4);
    offsets.push(dataOffset);
    o.le(dataOffset, 8);
    dataOffset += Math.ceil(t.data.length / alignment) * alignment;
  }
  const headerLength = Math.ceil(o.bytes.length / alignment) * alignment;
  const out = new Uint8Array(headerLength + dataOffset);
  out.set(o.bytes, 0);
  options.tensors.forEach((t, i) => out.set(t.data, headerLength + offsets[i]));
  return out;
}
