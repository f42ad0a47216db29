/**
 * A minimal protobuf writer for the ONNX messages our graphs need (onnx.proto, proto2 syntax).
 * No protobuf package: ONNX only needs varints, fixed32 floats and length-delimited fields.
 * Large initializers are kept as references to the caller's bytes until the single final
 * concatenation in `encodeModel`, so a 20 MB model is copied once.
 */

/** ONNX TensorProto.DataType values used here. */
export const OnnxDataType = { FLOAT: 1, UINT8: 2, INT8: 3, INT32: 6, INT64: 7, BOOL: 9, FLOAT16: 10 } as const;
export type OnnxDataTypeCode = (typeof OnnxDataType)[keyof typeof OnnxDataType];

/** An initializer: raw little-endian bytes of a dense tensor. */
export interface TensorInit {
  name: string;
  dataType: OnnxDataTypeCode;
  dims: number[];
  /** Little-endian element bytes, length = product(dims) × element size. */
  rawData: Uint8Array;
}

export type AttributeValue =
  | { kind: 'int'; value: number }
  | { kind: 'float'; value: number }
  | { kind: 'ints'; value: number[] }
  | { kind: 'string'; value: string }
  | { kind: 'tensor'; value: TensorInit };

export interface NodeDef {
  opType: string;
  inputs: string[];
  outputs: string[];
  name?: string;
  /** '' (default ONNX domain) or 'com.microsoft'. */
  domain?: string;
  attributes?: Record<string, AttributeValue>;
}

/** A graph input/output: name, element type, shape (number = fixed dim, string = symbolic). */
export interface ValueInfo {
  name: string;
  dataType: OnnxDataTypeCode;
  dims: Array<number | string>;
}

export interface GraphDef {
  name: string;
  nodes: NodeDef[];
  initializers: TensorInit[];
  inputs: ValueInfo[];
  outputs: ValueInfo[];
}

export interface ModelDef {
  graph: GraphDef;
  /** e.g. [{domain: '', version: 17}, {domain: 'com.microsoft', version: 1}]. */
  opsets: Array<{ domain: string; version: number }>;
  irVersion?: number;
  producerName?: string;
}

const ELEMENT_BYTES: Record<number, number> = { 1: 4, 2: 1, 3: 1, 6: 4, 7: 8, 9: 1 };

/** Byte chunks plus their running length; a nested message is written as tag, length, chunks. */
class Writer {
  readonly parts: Uint8Array[] = [];
  length = 0;
  private scratch: number[] = [];

  private flushScratch(): void {
    if (this.scratch.length === 0) return;
    const bytes = Uint8Array.from(this.scratch);
    this.parts.push(bytes);
    this.length += bytes.length;
    this.scratch = [];
  }

  varint(value: number): void {
    if (!Number.isInteger(value)) throw new Error(`varint needs an integer, got ${value}`);
    if (value < 0) {
      // int64 negatives are 10-byte two's complement varints.
      let big = BigInt.asUintN(64, BigInt(value));
      while (big >= 0x80n) {
        this.scratch.push(Number(big & 0x7fn) | 0x80);
        big >>= 7n;
      }
      this.scratch.push(Number(big));
      return;
    }
    let v = value;
    while (v >= 0x80) {
      this.scratch.push((v % 0x80) | 0x80);
      v = Math.floor(v / 0x80);
    }
    this.scratch.push(v);
  }

  tag(field: number, wireType: 0 | 1 | 2 | 5): void {
    this.varint(field * 8 + wireType);
  }

  intField(field: number, value: number): void {
    this.tag(field, 0);
    this.varint(value);
  }

  floatField(field: number, value: number): void {
    this.tag(field, 5);
    const b = new Uint8Array(4);
    new DataView(b.buffer).setFloat32(0, value, true);
    for (const x of b) this.scratch.push(x);
  }

  bytesField(field: number, bytes: Uint8Array): void {
    this.tag(field, 2);
    this.varint(bytes.length);
    this.flushScratch();
    this.parts.push(bytes);
    this.length += bytes.length;
  }

  stringField(field: number, value: string): void {
    this.bytesField(field, new TextEncoder().encode(value));
  }

  messageField(field: number, child: Writer): void {
    child.flushScratch();
    this.tag(field, 2);
    this.varint(child.length);
    this.flushScratch();
    for (const p of child.parts) this.parts.push(p);
    this.length += child.length;
  }

  finish(): Uint8Array {
    this.flushScratch();
    const out = new Uint8Array(this.length);
    let offset = 0;
    for (const p of this.parts) {
      out.set(p, offset);
      offset += p.length;
    }
    return out;
  }
}

function writeTensor(t: TensorInit): Writer {
  const elementBytes = ELEMENT_BYTES[t.dataType];
  const count = t.dims.reduce((a, b) => a * b, 1);
  if (elementBytes === undefined) throw new Error(`tensor ${t.name}: unsupported data type ${t.dataType}`);
  if (t.rawData.length !== count * elementBytes) {
    throw new Error(`tensor ${t.name}: dims [${t.dims.join(', ')}] need ${count * elementBytes} bytes, got ${t.rawData.length}`);
  }
  const w = new Writer();
  for (const d of t.dims) w.intField(1, d);
  w.intField(2, t.dataType);
  w.stringField(8, t.name);
  w.bytesField(9, t.rawData);
  return w;
}

// AttributeProto.AttributeType: FLOAT 1, INT 2, STRING 3, TENSOR 4, INTS 7.
function writeAttribute(name: string, a: AttributeValue): Writer {
  const w = new Writer();
  w.stringField(1, name);
  switch (a.kind) {
    case 'float':
      w.floatField(2, a.value);
      w.intField(20, 1);
      break;
    case 'int':
      w.intField(3, a.value);
      w.intField(20, 2);
      break;
    case 'string':
      w.stringField(4, a.value);
      w.intField(20, 3);
      break;
    case 'tensor':
      w.messageField(5, writeTensor(a.value));
      w.intField(20, 4);
      break;
    case 'ints':
      for (const v of a.value) w.intField(8, v);
      w.intField(20, 7);
      break;
    default: {
      const never: never = a;
      throw new Error(`unknown attribute ${JSON.stringify(never)}`);
    }
  }
  return w;
}

function writeNode(n: NodeDef): Writer {
  const w = new Writer();
  for (const i of n.inputs) w.stringField(1, i);
  for (const o of n.outputs) w.stringField(2, o);
  if (n.name) w.stringField(3, n.name);
  w.stringField(4, n.opType);
  for (const [k, v] of Object.entries(n.attributes ?? {})) w.messageField(5, writeAttribute(k, v));
  if (n.domain) w.stringField(7, n.domain);
  return w;
}

function writeValueInfo(v: ValueInfo): Writer {
  const shape = new Writer();
  for (const d of v.dims) {
    const dim = new Writer();
    if (typeof d === 'number') dim.intField(1, d);
    else dim.stringField(2, d);
    shape.messageField(1, dim);
  }
  const tensorType = new Writer();
  tensorType.intField(1, v.dataType);
  tensorType.messageField(2, shape);
  const type = new Writer();
  type.messageField(1, tensorType);
  const w = new Writer();
  w.stringField(1, v.name);
  w.messageField(2, type);
  return w;
}

/** Serialise a ModelProto. Output: the .onnx file bytes. */
export function encodeModel(model: ModelDef): Uint8Array {
  const g = new Writer();
  for (const n of model.graph.nodes) g.messageField(1, writeNode(n));
  g.stringField(2, model.graph.name);
  for (const t of model.graph.initializers) g.messageField(5, writeTensor(t));
  for (const i of model.graph.inputs) g.messageField(11, writeValueInfo(i));
  for (const o of model.graph.outputs) g.messageField(12, writeValueInfo(o));
  const m = new Writer();
  m.intField(1, model.irVersion ?? 8);
  m.stringField(2, model.producerName ?? 'bandscope');
  m.messageField(7, g);
  for (const o of model.opsets) {
    const os = new Writer();
    if (o.domain) os.stringField(1, o.domain);
    os.intField(2, o.version);
    m.messageField(8, os);
  }
  return m.finish();
}

/** View a Float32Array's bytes (little-endian hosts; every ORT target is). */
export function f32Bytes(values: Float32Array): Uint8Array {
  return new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
}

/** int64 little-endian bytes of small integers. */
export function i64Bytes(values: number[]): Uint8Array {
  const out = new BigInt64Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = BigInt(values[i]);
  return new Uint8Array(out.buffer);
}
