/**
 * Decoder linears read as the file stores them when that is already MatMulNBits-exact (GGUF
 * Q4_0 / Q8_0, lib/quant/gguf/toMatMulNBits): the engine then runs the file's own 4- or 8-bit
 * blocks — 0.63 / 1.13 bytes a weight instead of 4 — with the same numbers as dequantizing them.
 * `bandscope eval --quant none --quant-format nbits` asks for it; the dashboard's engine worker
 * does it for every full-precision build of a GGUF (workers/engine/hfFolder.ts).
 */
import { nbitsFromGgufBlocks, NBITS_GGML_TYPES } from '../quant/gguf/toMatMulNBits';
import { decoderLinearNames, type NBitsLinear } from '../onnx/weights';
import type { OpenedModel } from './open';
import type { DecoderLinearSlot, StoredLinears } from './runBudget';

const SLOTS: readonly DecoderLinearSlot[] = ['q', 'k', 'v', 'o', 'gate', 'up', 'down'];
const BITS_OF: Readonly<Record<string, 4 | 8>> = { Q4_0: 4, Q8_0: 8 };

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

type ListedModel = Pick<OpenedModel, 'format' | 'spec' | 'tensors' | 'resolveTensorName'>;

/**
 * The stored dtype of each decoder linear, [layer][slot] (slot order q, k, v, o, gate, up, down);
 * a part of a fused tensor (phi3's qkv_proj / gate_up_proj, lib/model/fusedTensors) has the fused
 * tensor's dtype; 'unknown' when no listed tensor holds it.
 */
function linearDtypes(model: ListedModel): string[][] {
  const dtypeOf = new Map(model.tensors.map((t) => [t.name, t.dtype]));
  const fusedOf = (name: string) =>
    name.replace(/self_attn\.[qkv]_proj\.weight$/, 'self_attn.qkv_proj.weight').replace(/mlp\.(gate|up)_proj\.weight$/, 'mlp.gate_up_proj.weight');
  const out: string[][] = [];
  for (let l = 0; l < model.spec.numLayers; l++) {
    const names = decoderLinearNames(l);
    out.push(
      SLOTS.map((slot) => {
        const name = `${names[slot]}.weight`;
        return dtypeOf.get(model.resolveTensorName(name) ?? name) ?? dtypeOf.get(fusedOf(name)) ?? 'unknown';
      }),
    );
  }
  return out;
}

/**
 * What runBudget's StoredLinears says for `model` run at full precision with storedNBitsLinear:
 * per slot, the bits when that slot is Q4_0 or Q8_0 in every layer (8 when the layers mix the
 * two: an upper bound), absent otherwise (a slot some layer stores in another type is priced as
 * float32, also an upper bound). Null for a file that is not a GGUF or has no such slot.
 */
export function storedLinearBits(model: ListedModel): StoredLinears | null {
  if (model.format !== 'gguf') return null;
  const dtypes = linearDtypes(model);
  const bits: StoredLinears['bits'] = {};
  SLOTS.forEach((slot, s) => {
    const per = dtypes.map((layer) => BITS_OF[layer[s]]);
    if (per.length > 0 && per.every((b) => b !== undefined)) bits[slot] = Math.max(...per) as 4 | 8;
  });
  return Object.keys(bits).length > 0 ? { bits } : null;
}

/**
 * One line for an engine label: how many decoder linears of `model` run as MatMulNBits from the
 * file's own blocks, by type, e.g. "the file's own blocks run as MatMulNBits for 14 of 14 decoder
 * linears (Q4_0 ×14)". Null when none would (not a GGUF, or no Q4_0 / Q8_0 linear).
 */
export function describeStoredBlocks(model: ListedModel): string | null {
  if (model.format !== 'gguf') return null;
  const all = linearDtypes(model).flat();
  const counts = new Map<string, number>();
  for (const d of all) if (BITS_OF[d] !== undefined) counts.set(d, (counts.get(d) ?? 0) + 1);
  const repacked = [...counts.values()].reduce((a, n) => a + n, 0);
  if (repacked === 0) return null;
  const byType = [...counts.entries()].map(([d, n]) => `${d} ×${n}`).join(', ');
  const rest = repacked < all.length ? '; the rest dequantized to float32' : '';
  return `the file's own blocks run as MatMulNBits for ${repacked} of ${all.length} decoder linears (${byType}, an exact repack)${rest}`;
}
