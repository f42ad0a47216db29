import type { ByteSource } from '../byteSource';
import { byteSourceFromBytes } from '../byteSource';
import { writeGguf, type GgufTensorToWrite, type GgufWriteValue } from './ggufWriter';
import { f32Bytes, writeSafetensors, type TensorToWrite } from './safetensorsWriter';

/** Test-only tiny LLaMA geometry: hidden 64, 2 heads × 32, 1 KV head, MLP 96, 1 layer, vocab 32. */
export const TINY = { vocab: 32, hidden: 64, heads: 2, kvHeads: 1, headDim: 32, inter: 96, layers: 1 };

/** Deterministic weights: value of element i of tensor t = ((t·7919 + i) mod 97 − 48)/64. */
function values(tensorIndex: number, count: number): Float32Array {
  return Float32Array.from({ length: count }, (_, i) => (((tensorIndex * 7919 + i) % 97) - 48) / 64);
}

/** HF-named tensors of the tiny model as [name, row-major shape]. */
export function tinyHfShapes(): Array<[string, number[]]> {
  const { vocab, hidden, heads, kvHeads, headDim, inter } = TINY;
  const p = 'model.layers.0.';
  return [
    ['model.embed_tokens.weight', [vocab, hidden]],
    [`${p}self_attn.q_proj.weight`, [heads * headDim, hidden]],
    [`${p}self_attn.k_proj.weight`, [kvHeads * headDim, hidden]],
    [`${p}self_attn.v_proj.weight`, [kvHeads * headDim, hidden]],
    [`${p}self_attn.o_proj.weight`, [hidden, heads * headDim]],
    [`${p}mlp.gate_proj.weight`, [inter, hidden]],
    [`${p}mlp.up_proj.weight`, [inter, hidden]],
    [`${p}mlp.down_proj.weight`, [hidden, inter]],
    [`${p}input_layernorm.weight`, [hidden]],
    [`${p}post_attention_layernorm.weight`, [hidden]],
    ['model.norm.weight', [hidden]],
    ['lm_head.weight', [vocab, hidden]],
  ];
}

export function tinyTensorValues(name: string): Float32Array {
  const shapes = tinyHfShapes();
  const index = shapes.findIndex(([n]) => n === name);
  return values(
    index,
    shapes[index][1].reduce((a, b) => a * b, 1),
  );
}

export function tinyHfConfig(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    model_type: 'llama',
    vocab_size: TINY.vocab,
    hidden_size: TINY.hidden,
    intermediate_size: TINY.inter,
    num_hidden_layers: TINY.layers,
    num_attention_heads: TINY.heads,
    num_key_value_heads: TINY.kvHeads,
    head_dim: TINY.headDim,
    max_position_embeddings: 128,
    rope_theta: 10000,
    rms_norm_eps: 1e-5,
    tie_word_embeddings: false,
    ...overrides,
  };
}

const json = (v: unknown, name: string): ByteSource => byteSourceFromBytes(new TextEncoder().encode(JSON.stringify(v)), name);

/** A tiny HF folder; `shards` = 2 splits the tensors over two files with an index. */
export function tinyHfFolder(options: { shards?: 1 | 2; config?: Record<string, unknown>; values?: Record<string, Float32Array> } = {}): ByteSource[] {
  const tensors: TensorToWrite[] = tinyHfShapes().map(([name, shape]) => ({
    name,
    dtype: 'F32',
    shape,
    data: f32Bytes(options.values?.[name] ?? tinyTensorValues(name)),
  }));
  const files: ByteSource[] = [json(options.config ?? tinyHfConfig(), 'tiny/config.json')];
  if ((options.shards ?? 1) === 1) {
    files.push(byteSourceFromBytes(writeSafetensors(tensors), 'tiny/model.safetensors'));
  } else {
    const half = Math.ceil(tensors.length / 2);
    const names = ['model-00001-of-00002.safetensors', 'model-00002-of-00002.safetensors'];
    const weightMap: Record<string, string> = {};
    [tensors.slice(0, half), tensors.slice(half)].forEach((part, i) => {
      files.push(byteSourceFromBytes(writeSafetensors(part), `tiny/${names[i]}`));
      for (const t of part) weightMap[t.name] = names[i];
    });
    files.push(json({ metadata: {}, weight_map: weightMap }, 'tiny/model.safetensors.index.json'));
  }
  return files;
}

const GGUF_NAMES: Record<string, string> = {
  'model.embed_tokens.weight': 'token_embd.weight',
  'model.layers.0.self_attn.q_proj.weight': 'blk.0.attn_q.weight',
  'model.layers.0.self_attn.k_proj.weight': 'blk.0.attn_k.weight',
  'model.layers.0.self_attn.v_proj.weight': 'blk.0.attn_v.weight',
  'model.layers.0.self_attn.o_proj.weight': 'blk.0.attn_output.weight',
  'model.layers.0.mlp.gate_proj.weight': 'blk.0.ffn_gate.weight',
  'model.layers.0.mlp.up_proj.weight': 'blk.0.ffn_up.weight',
  'model.layers.0.mlp.down_proj.weight': 'blk.0.ffn_down.weight',
  'model.layers.0.input_layernorm.weight': 'blk.0.attn_norm.weight',
  'model.layers.0.post_attention_layernorm.weight': 'blk.0.ffn_norm.weight',
  'model.norm.weight': 'output_norm.weight',
  'lm_head.weight': 'output.weight',
};

/**
 * A tiny GGUF of architecture `arch` with F32 tensors, whose rows are the tiny HF values
 * as stored (no q/k permutation is applied: the test checks rows come back untouched).
 * `omit` lists GGUF tensor names to leave out (e.g. 'output.weight' for a tied model).
 */
export function tinyGguf(
  arch = 'llama',
  extraMeta: Record<string, GgufWriteValue> = {},
  replace: Record<string, { ggmlType: string; data: Uint8Array }> = {},
  omit: readonly string[] = [],
): Uint8Array {
  const kept = tinyHfShapes().filter(([name]) => !omit.includes(GGUF_NAMES[name]));
  const tensors: GgufTensorToWrite[] = kept.map(([name, shape]) => ({
    name: GGUF_NAMES[name],
    ggmlType: replace[GGUF_NAMES[name]]?.ggmlType ?? 'F32',
    dims: shape.slice().reverse(),
    data: replace[GGUF_NAMES[name]]?.data ?? f32Bytes(tinyTensorValues(name)),
  }));
  return writeGguf({
    metadata: {
      'general.architecture': arch,
      [`${arch}.embedding_length`]: TINY.hidden,
      [`${arch}.feed_forward_length`]: TINY.inter,
      [`${arch}.block_count`]: TINY.layers,
      [`${arch}.attention.head_count`]: TINY.heads,
      [`${arch}.attention.head_count_kv`]: TINY.kvHeads,
      [`${arch}.context_length`]: 128,
      [`${arch}.rope.dimension_count`]: TINY.headDim,
      [`${arch}.rope.freq_base`]: 10000,
      [`${arch}.attention.layer_norm_rms_epsilon`]: 1e-5,
      'tokenizer.ggml.model': 'llama',
      'tokenizer.ggml.tokens': { type: 'array', elementType: 'string', value: Array.from({ length: TINY.vocab }, (_, i) => `t${i}`) },
      ...extraMeta,
    },
    tensors,
  });
}
