/**
 * Test-only: a GGUF file rewritten with its decoder linears as ggml Q4_0 (lib/quant/gguf/quantizeRef,
 * llama.cpp's reference quantizer), every other tensor and all metadata kept — so a real file from
 * elsewhere (stories260K, F32, with its SentencePiece vocabulary) becomes the Q4_0 file a user
 * would download, tokenizer included. Metadata types are re-derived from the values (integers as
 * u32/u64, the rest f32; arrays of strings, scores as f32, token types as i32), which is what the
 * loader reads back.
 */
import { byteSourceFromBytes } from '../byteSource';
import { parseGgufHeader, readGgufF32, readGgufRaw } from '../gguf';
import { quantizeQ4_0Ref } from '../../quant/gguf/quantizeRef';
import { writeGguf, type GgufTensorToWrite, type GgufWriteValue } from './ggufWriter';

const DECODER_LINEAR = /^blk\.\d+\.(attn_q|attn_k|attn_v|attn_output|ffn_gate|ffn_up|ffn_down)\.weight$/;
const Q4_0_BLOCK_ELEMENTS = 32;

/** `bytes` with every decoder linear whose rows are whole Q4_0 blocks stored as Q4_0; the count is how many were. */
export async function requantizeGgufLinearsQ4_0(bytes: Uint8Array, name: string): Promise<{ bytes: Uint8Array; quantized: number }> {
  const file = await parseGgufHeader(byteSourceFromBytes(bytes, name));
  const metadata: Record<string, GgufWriteValue> = {};
  for (const [key, v] of Object.entries(file.metadata)) {
    if (Array.isArray(v)) {
      const elementType = typeof v[0] === 'string' ? 'string' : key.endsWith('scores') ? 'f32' : 'i32';
      metadata[key] = { type: 'array', elementType, value: v.map((x) => (typeof x === 'bigint' ? Number(x) : x)) as Array<string | number> };
    } else if (typeof v === 'bigint') metadata[key] = { type: 'u64', value: Number(v) };
    else if (typeof v === 'number')
      metadata[key] = Number.isInteger(v) && !/eps|freq_base|scale/.test(key) ? { type: 'u32', value: v } : { type: 'f32', value: v };
    else metadata[key] = v as GgufWriteValue;
  }
  const tensors: GgufTensorToWrite[] = [];
  let quantized = 0;
  for (const t of file.tensors.values()) {
    if (DECODER_LINEAR.test(t.name) && t.dims[0] % Q4_0_BLOCK_ELEMENTS === 0) {
      tensors.push({ name: t.name, ggmlType: 'Q4_0', dims: [...t.dims], data: quantizeQ4_0Ref(await readGgufF32(t)) });
      quantized++;
    } else tensors.push({ name: t.name, ggmlType: t.ggmlType, dims: [...t.dims], data: await readGgufRaw(t) });
  }
  return { bytes: writeGguf({ metadata, tensors, alignment: file.alignment }), quantized };
}
