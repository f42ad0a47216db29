/**
 * `tsx scripts/syntheticCheckpoint.ts <outDir> [--vocab N] [--hidden N] [--layers N] [--tied]`:
 * writes a SYNTHETIC LLaMA checkpoint (seeded random float32 weights, no training) as a Hugging
 * Face folder — config.json (marked `"bandscope_synthetic": true`), model.safetensors, a byte
 * tokenizer (bandscope_tokenizer.json) and a README saying it is synthetic. For memory and speed
 * measurements only (e.g. a 128k vocabulary head at a small hidden size); its NLL means nothing.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { writeSafetensorsF32, type SafetensorsTensorF32 } from '../lib/export/safetensorsWriter';
import { createRng } from '../lib/diagnostics/rng';

const { values, positionals } = parseArgs({
  args: process.argv.slice(2),
  allowPositionals: true,
  options: { vocab: { type: 'string' }, hidden: { type: 'string' }, layers: { type: 'string' }, tied: { type: 'boolean' } },
});
const outDir = positionals[0];
if (!outDir) throw new Error('usage: tsx scripts/syntheticCheckpoint.ts <outDir> [--vocab N] [--hidden N] [--layers N] [--tied]');
const vocab = Number(values.vocab ?? 128256);
const hidden = Number(values.hidden ?? 256);
const layers = Number(values.layers ?? 2);
const tied = values.tied === true;
const headDim = 64;
const heads = hidden / headDim;
const kvHeads = Math.max(1, heads / 2);
const inter = 3 * hidden;

const rng = createRng(1234);
const rand = (): number => rng.nextFloat();
const normal = (n: number, std: number): Float32Array => Float32Array.from({ length: n }, () => (rand() * 2 - 1) * std * Math.sqrt(3));
const ones = (n: number): Float32Array => new Float32Array(n).fill(1);
const tensors: SafetensorsTensorF32[] = [{ name: 'model.embed_tokens.weight', shape: [vocab, hidden], data: normal(vocab * hidden, 0.02) }];
for (let l = 0; l < layers; l++) {
  const p = `model.layers.${l}.`;
  const lin = (name: string, rows: number, cols: number) =>
    tensors.push({ name: p + name, shape: [rows, cols], data: normal(rows * cols, 1 / Math.sqrt(cols)) });
  lin('self_attn.q_proj.weight', heads * headDim, hidden);
  lin('self_attn.k_proj.weight', kvHeads * headDim, hidden);
  lin('self_attn.v_proj.weight', kvHeads * headDim, hidden);
  lin('self_attn.o_proj.weight', hidden, heads * headDim);
  lin('mlp.gate_proj.weight', inter, hidden);
  lin('mlp.up_proj.weight', inter, hidden);
  lin('mlp.down_proj.weight', hidden, inter);
  tensors.push({ name: `${p}input_layernorm.weight`, shape: [hidden], data: ones(hidden) });
  tensors.push({ name: `${p}post_attention_layernorm.weight`, shape: [hidden], data: ones(hidden) });
}
tensors.push({ name: 'model.norm.weight', shape: [hidden], data: ones(hidden) });
if (!tied) tensors.push({ name: 'lm_head.weight', shape: [vocab, hidden], data: normal(vocab * hidden, 0.02) });

const config = {
  architectures: ['LlamaForCausalLM'],
  model_type: 'llama',
  bandscope_synthetic: true,
  vocab_size: vocab,
  hidden_size: hidden,
  intermediate_size: inter,
  num_hidden_layers: layers,
  num_attention_heads: heads,
  num_key_value_heads: kvHeads,
  head_dim: headDim,
  max_position_embeddings: 4096,
  rope_theta: 10000,
  rms_norm_eps: 1e-5,
  tie_word_embeddings: tied,
  torch_dtype: 'float32',
};
mkdirSync(outDir, { recursive: true });
writeFileSync(join(outDir, 'config.json'), `${JSON.stringify(config, null, 2)}\n`);
writeFileSync(join(outDir, 'model.safetensors'), writeSafetensorsF32(tensors, { format: 'pt', bandscope: 'synthetic random weights, untrained' }));
writeFileSync(join(outDir, 'bandscope_tokenizer.json'), '{ "type": "bytes", "vocab_size": 256, "bos": null, "eos": null }\n');
writeFileSync(
  join(outDir, 'README.md'),
  `# SYNTHETIC checkpoint\n\nSeeded random weights (untrained), vocabulary ${vocab}, hidden ${hidden}, ${layers} layers, ${tied ? 'tied' : 'untied'} head. Written by scripts/syntheticCheckpoint.ts for memory and speed measurements; its NLL means nothing.\n`,
);
process.stdout.write(`wrote synthetic checkpoint to ${outDir} (vocab ${vocab}, hidden ${hidden}, ${layers} layers, ${tied ? 'tied' : 'untied'})\n`);
