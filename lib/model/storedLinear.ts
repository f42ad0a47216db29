/**
 * Decoder linears read as the file stores them when that is already MatMulNBits-exact (GGUF
 * Q4_0 / Q8_0, lib/quant/gguf/toMatMulNBits): the engine then runs the file's own 4- or 8-bit
 * blocks — 0.56 / 1.06 bytes a weight instead of 4 — with the same numbers as dequantizing them.
 * `bandscope eval --quant none --quant-format nbits` asks for it.
 */
import { nbitsFromGgufBlocks, NBITS_GGML_TYPES } from '../quant/gguf/toMatMulNBits';
import type { NBitsLinear } from '../onnx/weights';
import type { OpenedModel } from './open';

/** AssembleOptions.storedLinear over an opened model: the linear's blocks when repackable, else null. */
export function storedNBitsLinear(model: Pick<OpenedModel, 'format' | 'tensors' | 'resolveTensorName' | 'nativeTensor'>) {
  const dtypeOf = new Map(model.tensors.map((t) => [t.name, t.dtype]));
  return async (hfName: string, outFeatures: number, inFeatures: number): Promise<NBitsLinear | null> => {
    if (model.format !== 'gguf') return null;
    // A fused or virtual name (phi3's split qkv) has no listing of its own; read its dtype from the bytes.
    const listed = dtypeOf.get(model.resolveTensorName(hfName) ?? hfName);
    if (listed !== undefined && !(NBITS_GGML_TYPES as readonly string[]).includes(listed)) return null;
    const native = await model.nativeTensor(hfName);
    return nbitsFromGgufBlocks(native.dtype, native.bytes, outFeatures, inFeatures);
  };
}
