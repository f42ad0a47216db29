import { ModelFormatError } from './errors';
import type { ModelSpec } from './spec';

function same(a: readonly number[] | undefined, b: readonly number[]): boolean {
  return a !== undefined && a.length === b.length && a.every((v, i) => v === b[i]);
}

/**
 * Checks that the tensors (HF names → row-major shapes) match the spec: embedding,
 * every layer's q/k/v/o, MLP and norms, final norm and lm_head (unless tied). `shapes` must
 * already include alias names (lib/model/tensorAliases), so a tied model stored under either
 * embedding name passes. Throws a ModelFormatError naming the config value and the tensor shape
 * that disagree.
 */
export function validateSpecAgainstTensors(spec: ModelSpec, shapes: ReadonlyMap<string, readonly number[]>, configName: string): void {
  const h = spec.hiddenSize;
  const expect = (name: string, want: number[], meaning: string): void => {
    const got = shapes.get(name);
    if (got === undefined) throw new ModelFormatError(`tensor ${name} is missing (${configName} says ${meaning})`);
    if (!same(got, want)) {
      throw new ModelFormatError(`${configName} says ${meaning} → ${name} should be [${want.join(', ')}], but the file has [${got.join(', ')}]`);
    }
  };
  if (spec.tieWordEmbeddings && !shapes.has('model.embed_tokens.weight')) {
    // Aliases are resolved before this check: a tied model with either name present has both.
    throw new ModelFormatError(
      `tensors model.embed_tokens.weight and lm_head.weight are both missing (${configName} says tied embeddings, vocab ${spec.vocabSize} × hidden ${h}; the shared matrix may be stored under either name)`,
    );
  }
  expect('model.embed_tokens.weight', [spec.vocabSize, h], `vocab ${spec.vocabSize} × hidden ${h}`);
  expect('model.norm.weight', [h], `hidden ${h}`);
  if (!spec.tieWordEmbeddings) expect('lm_head.weight', [spec.vocabSize, h], `vocab ${spec.vocabSize} × hidden ${h}, untied`);
  for (let layer = 0; layer < spec.numLayers; layer++) {
    const p = `model.layers.${layer}.`;
    expect(`${p}self_attn.q_proj.weight`, [spec.numHeads * spec.headDim, h], `${spec.numHeads} heads × head_dim ${spec.headDim}`);
    expect(`${p}self_attn.k_proj.weight`, [spec.numKvHeads * spec.headDim, h], `${spec.numKvHeads} KV heads × head_dim ${spec.headDim}`);
    expect(`${p}self_attn.v_proj.weight`, [spec.numKvHeads * spec.headDim, h], `${spec.numKvHeads} KV heads × head_dim ${spec.headDim}`);
    expect(`${p}self_attn.o_proj.weight`, [h, spec.numHeads * spec.headDim], `hidden ${h} × ${spec.numHeads} heads × head_dim ${spec.headDim}`);
    expect(`${p}mlp.gate_proj.weight`, [spec.intermediateSize, h], `intermediate ${spec.intermediateSize}`);
    expect(`${p}mlp.up_proj.weight`, [spec.intermediateSize, h], `intermediate ${spec.intermediateSize}`);
    expect(`${p}mlp.down_proj.weight`, [h, spec.intermediateSize], `intermediate ${spec.intermediateSize}`);
    expect(`${p}input_layernorm.weight`, [h], `hidden ${h}`);
    expect(`${p}post_attention_layernorm.weight`, [h], `hidden ${h}`);
    if (spec.attentionBias) {
      expect(`${p}self_attn.q_proj.bias`, [spec.numHeads * spec.headDim], 'q/k/v carry biases');
      expect(`${p}self_attn.k_proj.bias`, [spec.numKvHeads * spec.headDim], 'q/k/v carry biases');
      expect(`${p}self_attn.v_proj.bias`, [spec.numKvHeads * spec.headDim], 'q/k/v carry biases');
    }
    if (spec.qkNorm) {
      expect(`${p}self_attn.q_norm.weight`, [spec.headDim], `per-head q/k RMSNorm over head_dim ${spec.headDim}`);
      expect(`${p}self_attn.k_norm.weight`, [spec.headDim], `per-head q/k RMSNorm over head_dim ${spec.headDim}`);
    }
  }
  if (shapes.has(`model.layers.${spec.numLayers}.self_attn.q_proj.weight`)) {
    throw new ModelFormatError(`${configName} says ${spec.numLayers} layers, but the file has a layer ${spec.numLayers}`);
  }
}
