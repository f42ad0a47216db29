/**
 * GGUF tensor names (llama.cpp) ↔ Hugging Face names. Names with no mapping are kept
 * as they are (e.g. rope_freqs.weight).
 */
const GLOBAL: Record<string, string> = {
  token_embd: 'model.embed_tokens',
  output_norm: 'model.norm',
  output: 'lm_head',
};

const PER_LAYER: Record<string, string> = {
  attn_q: 'self_attn.q_proj',
  attn_k: 'self_attn.k_proj',
  attn_v: 'self_attn.v_proj',
  attn_qkv: 'self_attn.qkv_proj',
  attn_output: 'self_attn.o_proj',
  attn_q_norm: 'self_attn.q_norm',
  attn_k_norm: 'self_attn.k_norm',
  ffn_gate: 'mlp.gate_proj',
  ffn_up: 'mlp.up_proj',
  ffn_down: 'mlp.down_proj',
  attn_norm: 'input_layernorm',
  ffn_norm: 'post_attention_layernorm',
};

const LAYER_RE = /^blk\.(\d+)\.([a-z_]+)\.(weight|bias)$/;
const GLOBAL_RE = /^([a-z_]+)\.(weight|bias)$/;

/**
 * Per-architecture exceptions: llama.cpp's Phi-3 converter writes HF's fused gate_up_proj
 * [2·intermediate, hidden] (gate rows first) under the plain ffn_up name.
 */
const PER_LAYER_BY_ARCH: Record<string, Record<string, string>> = {
  phi3: { ffn_up: 'mlp.gate_up_proj' },
};

/** 'blk.3.attn_q.weight' → 'model.layers.3.self_attn.q_proj.weight'; `arch` = general.architecture. */
export function hfNameFromGguf(ggufName: string, arch?: string): string {
  const layer = LAYER_RE.exec(ggufName);
  const special = arch !== undefined ? PER_LAYER_BY_ARCH[arch]?.[layer?.[2] ?? ''] : undefined;
  if (layer && special) return `model.layers.${layer[1]}.${special}.${layer[3]}`;
  if (layer && layer[2] in PER_LAYER) return `model.layers.${layer[1]}.${PER_LAYER[layer[2]]}.${layer[3]}`;
  const global = GLOBAL_RE.exec(ggufName);
  if (global && global[1] in GLOBAL) return `${GLOBAL[global[1]]}.${global[2]}`;
  return ggufName;
}
