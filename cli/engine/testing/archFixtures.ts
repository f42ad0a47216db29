// Test-only (Node): the architecture checkpoints and reference NLL written by
// training/arch_reference.py, and their GGUF form as llama.cpp's converter would write it.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { f32Bytes } from '../../../lib/model/testing/safetensorsWriter';
import { writeGguf, type GgufTensorToWrite, type GgufWriteValue } from '../../../lib/model/testing/ggufWriter';
import { readSafetensors, REPO_ROOT } from './builtin';
import { quantizeQ4_0Ref, quantizeQ8_0Ref } from '../../../lib/quant/gguf/quantizeRef';
import { float32ToFp16Bits } from '../../../lib/quant/half';

export const ARCH_FIXTURE_DIR = join(REPO_ROOT, 'cli', 'engine', 'testing', 'arch-fixtures');

export interface ArchRun {
  method: 'none' | 'linear' | 'yarn';
  factor: number;
  tokens: number;
  /** float64 NLL [tokens − 1], nats. */
  nll: number[];
}

export interface ArchReference {
  tokens: number[];
  cases: Record<string, ArchRun[]>;
}

export function archReference(): ArchReference {
  return JSON.parse(readFileSync(join(ARCH_FIXTURE_DIR, 'reference.json'), 'utf8')) as ArchReference;
}

const GLOBAL: Record<string, string> = { 'model.embed_tokens': 'token_embd', 'model.norm': 'output_norm', lm_head: 'output' };
const PER_LAYER: Record<string, string> = {
  'self_attn.q_proj': 'attn_q',
  'self_attn.k_proj': 'attn_k',
  'self_attn.v_proj': 'attn_v',
  'self_attn.qkv_proj': 'attn_qkv',
  'self_attn.o_proj': 'attn_output',
  'self_attn.q_norm': 'attn_q_norm',
  'self_attn.k_norm': 'attn_k_norm',
  'mlp.gate_proj': 'ffn_gate',
  'mlp.up_proj': 'ffn_up',
  // llama.cpp's Phi-3 converter keeps the fused matrix under ffn_up.
  'mlp.gate_up_proj': 'ffn_up',
  'mlp.down_proj': 'ffn_down',
  input_layernorm: 'attn_norm',
  post_attention_layernorm: 'ffn_norm',
};

function ggufName(hf: string): string {
  const m = /^model\.layers\.(\d+)\.(.+)\.(weight|bias)$/.exec(hf);
  if (m) return `blk.${m[1]}.${PER_LAYER[m[2]]}.${m[3]}`;
  const g = /^(.+)\.(weight|bias)$/.exec(hf)!;
  return `${GLOBAL[g[1]]}.${g[2]}`;
}

/**
 * llama.cpp convert_hf_to_gguf `LlamaModel.permute`: half-split rows → interleaved, per head:
 * reshape(heads, 2, headDim/2, …).swapaxes(1, 2), so new row 2i+j = old row j·headDim/2 + i.
 */
export function llamaCppPermute(w: Float32Array, heads: number, headDim: number): Float32Array {
  const cols = w.length / (heads * headDim);
  const out = new Float32Array(w.length);
  const half = headDim / 2;
  for (let h = 0; h < heads; h++) {
    for (let j = 0; j < 2; j++) {
      for (let i = 0; i < half; i++) {
        const src = (h * headDim + j * half + i) * cols;
        out.set(w.subarray(src, src + cols), (h * headDim + 2 * i + j) * cols);
      }
    }
  }
  return out;
}

/** The HF fixture `caseName` as a GGUF (F32) with llama.cpp's names, metadata and, for llama/mistral, q/k row permutation. */
/**
 * The fixture as llama.cpp's converter would write it. `linearType` stores the decoder linears
 * (q/k/v/o, gate/up/down and the fused qkv/gate_up) as ggml Q4_0 or Q8_0 blocks — quantized by
 * the reference quantizers of lib/quant/gguf/quantizeRef — or as F16 (round to nearest even)
 * instead of F32.
 */
export function archFixtureAsGguf(caseName: string, linearType: 'F32' | 'F16' | 'Q4_0' | 'Q8_0' = 'F32'): Uint8Array {
  const dir = join(ARCH_FIXTURE_DIR, caseName);
  const cfg = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as Record<string, number | string | boolean>;
  const tensors = readSafetensors(join(dir, 'model.safetensors'));
  const arch = cfg.model_type as string;
  const heads = cfg.num_attention_heads as number;
  const kvHeads = cfg.num_key_value_heads as number;
  const headDim = (cfg.head_dim as number | undefined) ?? (cfg.hidden_size as number) / heads;
  const interleaved = arch === 'llama' || arch === 'mistral';
  const out: GgufTensorToWrite[] = [];
  const shapes = JSON.parse(
    new TextDecoder().decode(
      readFileSync(join(dir, 'model.safetensors')).subarray(8, 8 + Number(readFileSync(join(dir, 'model.safetensors')).readBigUInt64LE(0))),
    ),
  ) as Record<string, { shape: number[] }>;
  for (const [name, data] of tensors) {
    let values = data;
    if (interleaved && name.endsWith('self_attn.q_proj.weight')) values = llamaCppPermute(data, heads, headDim);
    if (interleaved && name.endsWith('self_attn.k_proj.weight')) values = llamaCppPermute(data, kvHeads, headDim);
    const linear = /\.(self_attn|mlp)\.[a-z_]+_proj\.weight$/.test(name);
    if (linear && linearType !== 'F32') {
      const data =
        linearType === 'Q4_0' ? quantizeQ4_0Ref(values) : linearType === 'Q8_0' ? quantizeQ8_0Ref(values) : new Uint8Array(float32ToFp16Bits(values).buffer);
      out.push({ name: ggufName(name), ggmlType: linearType, dims: shapes[name].shape.slice().reverse(), data });
    } else out.push({ name: ggufName(name), ggmlType: 'F32', dims: shapes[name].shape.slice().reverse(), data: f32Bytes(values) });
  }
  const k = (s: string): string => `${arch}.${s}`;
  const metadata: Record<string, GgufWriteValue> = {
    'general.architecture': arch,
    [k('embedding_length')]: cfg.hidden_size as number,
    [k('feed_forward_length')]: cfg.intermediate_size as number,
    [k('block_count')]: cfg.num_hidden_layers as number,
    [k('attention.head_count')]: heads,
    [k('attention.head_count_kv')]: kvHeads,
    [k('attention.key_length')]: headDim,
    [k('attention.value_length')]: headDim,
    [k('context_length')]: cfg.max_position_embeddings as number,
    [k('rope.dimension_count')]: Math.trunc(headDim * ((cfg.partial_rotary_factor as number | undefined) ?? 1)),
    [k('rope.freq_base')]: { type: 'f32', value: cfg.rope_theta as number },
    [k('attention.layer_norm_rms_epsilon')]: { type: 'f32', value: cfg.rms_norm_eps as number },
  };
  if (arch === 'phi3' && typeof cfg.sliding_window === 'number') metadata[k('attention.sliding_window')] = cfg.sliding_window;
  return writeGguf({ metadata, tensors: out });
}
