/**
 * A hand-built ONNX model with the engine's contract (inputs input_ids int64 [1, T],
 * cos/sin float32 [T, D]; output nll [T − 1]; one tap) whose outputs are checkable by hand:
 *   nll[t]      = ids[t + 1] + Σ_j cos[t + 1, j]
 *   tap_sin_sq  = sin ⊙ sin                         [T, D]
 * Written with its own tiny protobuf writer so the handler tests do not depend on lib/onnx.
 */

type Field = Uint8Array;

function varint(value: number | bigint): number[] {
  let v = BigInt.asUintN(64, BigInt(value));
  const out: number[] = [];
  while (v >= 0x80n) {
    out.push(Number(v & 0x7fn) | 0x80);
    v >>= 7n;
  }
  out.push(Number(v));
  return out;
}

function concat(parts: Field[]): Uint8Array {
  const total = parts.reduce((n, p) => n + p.length, 0);
  const out = new Uint8Array(total);
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

const intField = (field: number, value: number | bigint): Field => new Uint8Array([...varint(field << 3), ...varint(value)]);
const bytesField = (field: number, bytes: Uint8Array): Field => concat([new Uint8Array([...varint((field << 3) | 2), ...varint(bytes.length)]), bytes]);
const strField = (field: number, text: string): Field => bytesField(field, new TextEncoder().encode(text));
const msg = (...parts: Field[]): Uint8Array => concat(parts);

const FLOAT = 1;
const INT64 = 7;

function node(opType: string, inputs: string[], outputs: string[], attrs: Field[] = []): Field {
  return bytesField(
    1,
    msg(...inputs.map((i) => strField(1, i)), ...outputs.map((o) => strField(2, o)), strField(3, outputs[0]), strField(4, opType), ...attrs),
  );
}

function intAttr(name: string, value: number): Field {
  return bytesField(5, msg(strField(1, name), intField(3, value), intField(20, 2)));
}

function int64Initializer(name: string, values: bigint[]): Field {
  const raw = new Uint8Array(new BigInt64Array(values).buffer);
  return bytesField(5, msg(intField(1, values.length), intField(2, INT64), strField(8, name), bytesField(9, raw)));
}

function valueInfo(field: number, name: string, elemType: number, dims: Array<number | string>): Field {
  const dimMsgs = dims.map((d) => bytesField(1, typeof d === 'number' ? intField(1, d) : strField(2, d)));
  const tensorType = msg(intField(1, elemType), bytesField(2, msg(...dimMsgs)));
  return bytesField(field, msg(strField(1, name), bytesField(2, bytesField(1, tensorType))));
}

/** Serialized ONNX model bytes (opset 17). */
export function buildTinyEngineGraph(): Uint8Array {
  const graph = msg(
    node('Cast', ['input_ids'], ['ids_f'], [intAttr('to', FLOAT)]),
    node('Reshape', ['ids_f', 'flat_shape'], ['ids_row']),
    node('ReduceSum', ['cos', 'axis_one'], ['cos_sum'], [intAttr('keepdims', 0)]),
    node('Add', ['ids_row', 'cos_sum'], ['score']),
    node('Slice', ['score', 'slice_start', 'slice_end'], ['nll']),
    node('Mul', ['sin', 'sin'], ['tap_sin_sq']),
    strField(2, 'tiny-engine-graph'),
    int64Initializer('flat_shape', [-1n]),
    int64Initializer('axis_one', [1n]),
    int64Initializer('slice_start', [1n]),
    int64Initializer('slice_end', [9_223_372_036_854_775_807n]),
    valueInfo(11, 'input_ids', INT64, [1, 'T']),
    valueInfo(11, 'cos', FLOAT, ['T', 'D']),
    valueInfo(11, 'sin', FLOAT, ['T', 'D']),
    valueInfo(12, 'nll', FLOAT, ['Tm1']),
    valueInfo(12, 'tap_sin_sq', FLOAT, ['T', 'D']),
  );
  return msg(intField(1, 8), strField(2, 'bandscope-tests'), bytesField(8, msg(strField(1, ''), intField(2, 17))), bytesField(7, graph));
}
