/**
 * ggml tensor types we know (ids from ggml.h `enum ggml_type`) with their block
 * geometry. `blockElements` weights are stored in `blockBytes` bytes.
 */
export interface GgmlTypeInfo {
  readonly id: number;
  readonly name: string;
  readonly blockElements: number;
  readonly blockBytes: number;
  /** We can dequantize it to float32. */
  readonly decodable: boolean;
}

const table: GgmlTypeInfo[] = [
  { id: 0, name: 'F32', blockElements: 1, blockBytes: 4, decodable: true },
  { id: 1, name: 'F16', blockElements: 1, blockBytes: 2, decodable: true },
  { id: 2, name: 'Q4_0', blockElements: 32, blockBytes: 18, decodable: true },
  { id: 3, name: 'Q4_1', blockElements: 32, blockBytes: 20, decodable: true },
  { id: 6, name: 'Q5_0', blockElements: 32, blockBytes: 22, decodable: true },
  { id: 7, name: 'Q5_1', blockElements: 32, blockBytes: 24, decodable: true },
  { id: 8, name: 'Q8_0', blockElements: 32, blockBytes: 34, decodable: true },
  { id: 9, name: 'Q8_1', blockElements: 32, blockBytes: 36, decodable: false },
  { id: 10, name: 'Q2_K', blockElements: 256, blockBytes: 84, decodable: false },
  { id: 11, name: 'Q3_K', blockElements: 256, blockBytes: 110, decodable: false },
  { id: 12, name: 'Q4_K', blockElements: 256, blockBytes: 144, decodable: true },
  { id: 13, name: 'Q5_K', blockElements: 256, blockBytes: 176, decodable: true },
  { id: 14, name: 'Q6_K', blockElements: 256, blockBytes: 210, decodable: true },
  { id: 15, name: 'Q8_K', blockElements: 256, blockBytes: 292, decodable: false },
  { id: 24, name: 'I8', blockElements: 1, blockBytes: 1, decodable: false },
  { id: 25, name: 'I16', blockElements: 1, blockBytes: 2, decodable: false },
  { id: 26, name: 'I32', blockElements: 1, blockBytes: 4, decodable: false },
  { id: 27, name: 'I64', blockElements: 1, blockBytes: 8, decodable: false },
  { id: 28, name: 'F64', blockElements: 1, blockBytes: 8, decodable: false },
  { id: 30, name: 'BF16', blockElements: 1, blockBytes: 2, decodable: true },
];

const byId = new Map<number, GgmlTypeInfo>(table.map((t) => [t.id, t]));
const byName = new Map<string, GgmlTypeInfo>(table.map((t) => [t.name, t]));

/** Type info for a ggml type id, or undefined for ids we do not know (IQ* etc.). */
export function ggmlTypeById(id: number): GgmlTypeInfo | undefined {
  return byId.get(id);
}

export function ggmlTypeByName(name: string): GgmlTypeInfo | undefined {
  return byName.get(name);
}

/**
 * Bytes taken by `elementCount` weights of a type; throws when the count is not a
 * whole number of blocks (ggml requires rows to be block multiples).
 */
export function ggmlByteLength(type: GgmlTypeInfo, elementCount: number): number {
  if (elementCount % type.blockElements !== 0) {
    throw new Error(`${type.name}: ${elementCount} elements is not a multiple of the block size ${type.blockElements}`);
  }
  return (elementCount / type.blockElements) * type.blockBytes;
}
