// Which architectures load and which are refused, and what the refusals say (SPEC §6).
import { describe, expect, it } from 'vitest';
import { byteSourceFromBytes, type ByteSource } from './byteSource';
import { ModelFormatError } from './errors';
import { specFromGgufMetadata } from './ggufSpec';
import { specFromHfConfig } from './hfConfig';
import { openModel } from './open';
import { hfNameFromGguf } from './tensorNames';
import { tinyGguf, tinyHfConfig } from './testing/tinyModels';
import { f32Bytes, writeSafetensors } from './testing/safetensorsWriter';

describe('refusals name what is missing', () => {
  it.each([
    ['gemma', /\(1 \+ w\)/],
    ['gemma2', /soft-capping/],
    ['gemma3', /scales embeddings/],
    ['gemma3_text', /post-norms/],
    ['mixtral', /mixture-of-experts.*num_local_experts/],
    ['qwen2_moe', /mixture-of-experts/],
    ['qwen3_moe', /mixture-of-experts/],
  ])('HF model_type %s', (modelType, why) => {
    expect(() => specFromHfConfig(tinyHfConfig({ model_type: modelType }))).toThrow(why);
  });

  it('an expert count on a supported model_type is refused with the number', () => {
    expect(() => specFromHfConfig(tinyHfConfig({ model_type: 'mistral', num_local_experts: 8 }))).toThrow(/"num_local_experts" is 8: a mixture-of-experts/);
    expect(() => specFromHfConfig(tinyHfConfig({ model_type: 'qwen2', num_experts: 60 }))).toThrow(/"num_experts" is 60/);
    expect(specFromHfConfig(tinyHfConfig({ num_experts: 1 })).architecture).toBe('llama');
  });

  it('GGUF: Mixtral (arch llama + expert_count), MoE and Gemma archs, LongRoPE factor tensors', async () => {
    await expect(openModel([byteSourceFromBytes(tinyGguf('llama', { 'llama.expert_count': 8 }), 'm.gguf')])).rejects.toThrow(
      /llama\.expert_count is 8: a mixture-of-experts/,
    );
    for (const arch of ['qwen2moe', 'qwen3moe', 'gemma', 'gemma3']) {
      await expect(openModel([byteSourceFromBytes(tinyGguf(arch), 'x.gguf')])).rejects.toThrow(new RegExp(`GGUF architecture "${arch}" is not supported: `));
    }
    const shapes = new Map([['rope_factors_long.weight', [2]]]);
    expect(() => specFromGgufMetadata({ 'general.architecture': 'phi3' }, shapes)).toThrow(/rope_factors_long.*Hugging Face checkpoint/);
  });
});

describe('sliding window and per-arch settings', () => {
  it('reads sliding_window for Mistral/Phi-3, for Qwen only with use_sliding_window, never for LLaMA', () => {
    expect(specFromHfConfig(tinyHfConfig({ model_type: 'mistral', sliding_window: 4096 })).slidingWindowTokens).toBe(4096);
    expect(specFromHfConfig(tinyHfConfig({ model_type: 'mistral', sliding_window: null })).slidingWindowTokens).toBeUndefined();
    expect(specFromHfConfig(tinyHfConfig({ model_type: 'qwen2', sliding_window: 4096 })).slidingWindowTokens).toBeUndefined();
    expect(specFromHfConfig(tinyHfConfig({ model_type: 'qwen2', sliding_window: 4096, use_sliding_window: true })).slidingWindowTokens).toBe(4096);
    expect(specFromHfConfig(tinyHfConfig({ sliding_window: 4096 })).slidingWindowTokens).toBeUndefined();
    expect(() => specFromHfConfig(tinyHfConfig({ model_type: 'mistral', sliding_window: -1 }))).toThrow(ModelFormatError);
  });

  it('GGUF names: attn_qkv everywhere, ffn_up is the fused gate_up_proj only for phi3', () => {
    expect(hfNameFromGguf('blk.2.attn_qkv.weight', 'phi3')).toBe('model.layers.2.self_attn.qkv_proj.weight');
    expect(hfNameFromGguf('blk.2.ffn_up.weight', 'phi3')).toBe('model.layers.2.mlp.gate_up_proj.weight');
    expect(hfNameFromGguf('blk.2.ffn_up.weight', 'llama')).toBe('model.layers.2.mlp.up_proj.weight');
    expect(hfNameFromGguf('blk.0.attn_q_norm.weight', 'qwen3')).toBe('model.layers.0.self_attn.q_norm.weight');
  });
});

/** A ByteSource that counts the bytes read through it. */
function counting(source: ByteSource): ByteSource & { bytesRead: number } {
  const c = { ...source, bytesRead: 0 };
  c.read = async (offset: number, length: number) => {
    c.bytesRead += length;
    return source.read(offset, length);
  };
  return c;
}

describe('Phi-3 fused tensors', () => {
  // hidden 8, 2 heads × head_dim 4, 1 KV head: qkv rows 8 + 4 + 4; intermediate 6: gate_up rows 12.
  const config = {
    model_type: 'phi3',
    vocab_size: 4,
    hidden_size: 8,
    intermediate_size: 6,
    num_hidden_layers: 1,
    num_attention_heads: 2,
    num_key_value_heads: 1,
    rms_norm_eps: 1e-5,
    max_position_embeddings: 32,
  };
  const ramp = (n: number, base: number) => Float32Array.from({ length: n }, (_, i) => base + i);
  const tensors = [
    { name: 'model.embed_tokens.weight', shape: [4, 8], values: ramp(32, 0) },
    { name: 'model.norm.weight', shape: [8], values: ramp(8, 0) },
    { name: 'lm_head.weight', shape: [4, 8], values: ramp(32, 0) },
    { name: 'model.layers.0.self_attn.qkv_proj.weight', shape: [16, 8], values: ramp(128, 1000) },
    { name: 'model.layers.0.self_attn.o_proj.weight', shape: [8, 8], values: ramp(64, 0) },
    { name: 'model.layers.0.mlp.gate_up_proj.weight', shape: [12, 8], values: ramp(96, 2000) },
    { name: 'model.layers.0.mlp.down_proj.weight', shape: [8, 6], values: ramp(48, 0) },
    { name: 'model.layers.0.input_layernorm.weight', shape: [8], values: ramp(8, 0) },
    { name: 'model.layers.0.post_attention_layernorm.weight', shape: [8], values: ramp(8, 0) },
  ];
  const files = () => [
    byteSourceFromBytes(new TextEncoder().encode(JSON.stringify(config)), 'config.json'),
    counting(
      byteSourceFromBytes(
        writeSafetensors(tensors.map((t) => ({ name: t.name, dtype: 'F32' as const, shape: t.shape, data: f32Bytes(t.values) }))),
        'model.safetensors',
      ),
    ),
  ];

  it('q/k/v and gate/up are row ranges of the fused tensors, each read once', async () => {
    const [cfg, weights] = files();
    const model = await openModel([cfg, weights]);
    const before = (weights as ReturnType<typeof counting>).bytesRead;
    const parts: Record<string, [number, number]> = {
      'self_attn.q_proj': [1000, 8],
      'self_attn.k_proj': [1000 + 64, 4],
      'self_attn.v_proj': [1000 + 96, 4],
      'mlp.gate_proj': [2000, 6],
      'mlp.up_proj': [2000 + 48, 6],
    };
    for (const [part, [first, rows]] of Object.entries(parts)) {
      const got = await model.tensorF32(`model.layers.0.${part}.weight`);
      expect(Array.from(got), part).toEqual(Array.from(ramp(rows * 8, first)));
    }
    // Five parts read = the two fused tensors' bytes exactly, once.
    expect((weights as ReturnType<typeof counting>).bytesRead - before).toBe((128 + 96) * 4);
    expect(Array.from(await model.tensorF32('model.layers.0.self_attn.k_proj.weight', { first: 1, count: 2 }))).toEqual(Array.from(ramp(16, 1000 + 72)));
    await expect(model.tensorF32('model.layers.0.self_attn.k_proj.weight', { first: 3, count: 2 })).rejects.toThrow(/rows 3…4 outside its 4 rows/);
    const listed = model.tensors.filter((t) => t.fileTensorName === 'model.layers.0.self_attn.qkv_proj.weight');
    expect(listed.map((t) => [t.name, t.shape, t.sizeBytes])).toEqual([
      ['model.layers.0.self_attn.q_proj.weight', [8, 8], 256],
      ['model.layers.0.self_attn.k_proj.weight', [4, 8], 128],
      ['model.layers.0.self_attn.v_proj.weight', [4, 8], 128],
    ]);
  });

  it('a fused tensor with the wrong row count names both numbers', async () => {
    const bad = { ...config, num_key_value_heads: 2 };
    const [, weights] = files();
    await expect(openModel([byteSourceFromBytes(new TextEncoder().encode(JSON.stringify(bad)), 'config.json'), weights])).rejects.toThrow(
      /= 24 rows → model\.layers\.0\.self_attn\.qkv_proj\.weight should have 24 rows, but the file has \[16, 8\]/,
    );
  });
});
