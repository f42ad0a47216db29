import { encodeModel, f32Bytes, i64Bytes, OnnxDataType, type AttributeValue, type NodeDef, type TensorInit, type ValueInfo } from './proto';

/**
 * Small imperative helper over proto.ts: each `op` call appends one node and returns the
 * name of its (first) output, so graph code reads like the math it builds. Names are unique by
 * construction (prefix + counter); int64 shape constants are deduplicated.
 */
export class GraphBuilder {
  readonly nodes: NodeDef[] = [];
  readonly initializers: TensorInit[] = [];
  readonly inputs: ValueInfo[] = [];
  readonly outputs: ValueInfo[] = [];
  private counter = 0;
  private constCache = new Map<string, string>();

  fresh(hint: string): string {
    this.counter += 1;
    return `${hint}_${this.counter}`;
  }

  op(
    opType: string,
    inputs: string[],
    attributes?: Record<string, AttributeValue>,
    options?: { output?: string; domain?: string; outputCount?: number },
  ): string {
    const first = options?.output ?? this.fresh(opType.toLowerCase());
    const outputs = [first];
    for (let i = 1; i < (options?.outputCount ?? 1); i++) outputs.push(`${first}_o${i}`);
    this.nodes.push({ opType, inputs, outputs, attributes, domain: options?.domain, name: `n${this.nodes.length}_${opType}` });
    return first;
  }

  /** Float32 initializer with explicit dims. */
  f32(name: string, values: Float32Array, dims: number[]): string {
    this.initializers.push({ name, dataType: OnnxDataType.FLOAT, dims, rawData: f32Bytes(values) });
    return name;
  }

  u8(name: string, values: Uint8Array, dims: number[]): string {
    this.initializers.push({ name, dataType: OnnxDataType.UINT8, dims, rawData: values });
    return name;
  }

  /** int64 constant (shapes, axes, slice bounds), shared between identical uses. */
  i64(values: number[]): string {
    const key = values.join(',');
    const hit = this.constCache.get(key);
    if (hit) return hit;
    const name = this.fresh('c_i64');
    this.initializers.push({ name, dataType: OnnxDataType.INT64, dims: [values.length], rawData: i64Bytes(values) });
    this.constCache.set(key, name);
    return name;
  }

  /** float32 scalar constant (0-d tensor). */
  scalar(value: number): string {
    const key = `f:${value}`;
    const hit = this.constCache.get(key);
    if (hit) return hit;
    const name = this.fresh('c_f32');
    this.initializers.push({ name, dataType: OnnxDataType.FLOAT, dims: [], rawData: f32Bytes(Float32Array.of(value)) });
    this.constCache.set(key, name);
    return name;
  }

  reshape(x: string, shape: number[], output?: string): string {
    return this.op('Reshape', [x, this.i64(shape)], undefined, { output });
  }

  transpose(x: string, perm: number[], output?: string): string {
    return this.op('Transpose', [x], { perm: { kind: 'ints', value: perm } }, { output });
  }

  /** Slice along one axis, [start, end). */
  slice(x: string, axis: number, start: number, end: number): string {
    return this.op('Slice', [x, this.i64([start]), this.i64([end]), this.i64([axis])]);
  }

  encode(opsets: Array<{ domain: string; version: number }>): Uint8Array {
    return encodeModel({
      graph: { name: 'bandscope', nodes: this.nodes, initializers: this.initializers, inputs: this.inputs, outputs: this.outputs },
      opsets,
    });
  }
}
