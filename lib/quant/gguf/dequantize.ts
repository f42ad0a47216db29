import { halfBitsToNumber } from './halfScalar';
import { dequantizeQ4_0, dequantizeQ4_1, dequantizeQ5_0, dequantizeQ5_1, dequantizeQ8_0 } from './legacyBlocks';
import { dequantizeQ4_K, dequantizeQ5_K, dequantizeQ6_K } from './kBlocks';
import { ModelFormatError } from '../../model/errors';
import { ggmlByteLength, ggmlTypeByName } from './types';

/** GGML type names we turn into float32. */
export const DECODABLE_GGML_TYPES = ['F32', 'F16', 'BF16', 'Q4_0', 'Q4_1', 'Q5_0', 'Q5_1', 'Q8_0', 'Q4_K', 'Q5_K', 'Q6_K'] as const;

/**
 * Raw ggml data → float32, in storage order (for a 2-D tensor: row-major, each row =
 * ne[0] contiguous elements). `bytes` must hold exactly the bytes of `elementCount`
 * elements of `typeName` (little-endian). Output: Float32Array[elementCount].
 */
export function dequantizeGgml(typeName: string, bytes: Uint8Array, elementCount: number): Float32Array {
  const info = ggmlTypeByName(typeName);
  if (!info || !info.decodable) throw new ModelFormatError(`cannot dequantize ggml type ${typeName}; supported: ${DECODABLE_GGML_TYPES.join(', ')}`);
  const needBytes = ggmlByteLength(info, elementCount);
  if (bytes.length !== needBytes) {
    throw new Error(`${typeName}: ${elementCount} elements need ${needBytes} bytes, got ${bytes.length}`);
  }
  const out = new Float32Array(elementCount);
  switch (typeName) {
    case 'F32': {
      const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      for (let i = 0; i < elementCount; i++) out[i] = view.getFloat32(4 * i, true);
      break;
    }
    case 'F16':
      for (let i = 0; i < elementCount; i++) out[i] = halfBitsToNumber(bytes[2 * i] | (bytes[2 * i + 1] << 8));
      break;
    case 'BF16': {
      const bits = new Uint32Array(out.buffer);
      for (let i = 0; i < elementCount; i++) bits[i] = ((bytes[2 * i] | (bytes[2 * i + 1] << 8)) << 16) >>> 0;
      break;
    }
    case 'Q4_0':
      dequantizeQ4_0(bytes, elementCount, out);
      break;
    case 'Q4_1':
      dequantizeQ4_1(bytes, elementCount, out);
      break;
    case 'Q5_0':
      dequantizeQ5_0(bytes, elementCount, out);
      break;
    case 'Q5_1':
      dequantizeQ5_1(bytes, elementCount, out);
      break;
    case 'Q8_0':
      dequantizeQ8_0(bytes, elementCount, out);
      break;
    case 'Q4_K':
      dequantizeQ4_K(bytes, elementCount, out);
      break;
    case 'Q5_K':
      dequantizeQ5_K(bytes, elementCount, out);
      break;
    case 'Q6_K':
      dequantizeQ6_K(bytes, elementCount, out);
      break;
    default:
      throw new Error(`cannot dequantize ggml type ${typeName}`);
  }
  return out;
}
