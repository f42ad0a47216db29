/**
 * Node-side opener for a Hugging Face folder (config.json + model.safetensors or sharded
 * model-*.safetensors + index), read by byte ranges through lib/model's safetensors parser.
 * A stop-gap until lib/model's `openModel` lands; it only builds what the engine needs.
 */
import { open, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { ByteSource } from '../../lib/model/byteSource';
import { checkRange } from '../../lib/model/byteSource';
import { parseSafetensorsHeader, parseSafetensorsIndex, readSafetensorsF32, type SafetensorsTensorInfo } from '../../lib/model/safetensors';
import type { ModelSpec } from '../../lib/model/spec';
import { ropeConfigFromHfConfig } from '../../lib/rope/parseHf';
import { UsageError } from '../errors';

export interface OpenedModel {
  spec: ModelSpec;
  tensorF32(hfName: string): Promise<Float32Array>;
  close(): Promise<void>;
}

async function fileByteSource(path: string): Promise<ByteSource & { close(): Promise<void> }> {
  const handle = await open(path, 'r');
  const { size } = await handle.stat();
  return {
    name: path,
    sizeBytes: size,
    async read(offsetBytes: number, lengthBytes: number): Promise<Uint8Array> {
      checkRange(path, size, offsetBytes, lengthBytes);
      const out = new Uint8Array(lengthBytes);
      let done = 0;
      while (done < lengthBytes) {
        const { bytesRead } = await handle.read(out, done, lengthBytes - done, offsetBytes + done);
        if (bytesRead === 0) throw new UsageError(`${path}: unexpected end of file`);
        done += bytesRead;
      }
      return out;
    },
    close: () => handle.close(),
  };
}

function num(config: Record<string, unknown>, key: string, fallback?: number): number {
  const v = config[key] ?? fallback;
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new UsageError(`config.json: '${key}' must be a number, got ${JSON.stringify(config[key])}`);
  return v;
}

/** ModelSpec of a LLaMA-family config.json (half-split pairing: HF layout). */
export function specFromHfConfig(config: Record<string, unknown>): ModelSpec {
  const hiddenSize = num(config, 'hidden_size');
  const numHeads = num(config, 'num_attention_heads');
  const rope = ropeConfigFromHfConfig(config);
  return {
    architecture: typeof config.model_type === 'string' ? config.model_type : 'llama',
    vocabSize: num(config, 'vocab_size'),
    hiddenSize,
    intermediateSize: num(config, 'intermediate_size'),
    numLayers: num(config, 'num_hidden_layers'),
    numHeads,
    numKvHeads: num(config, 'num_key_value_heads', numHeads),
    headDim: num(config, 'head_dim', hiddenSize / numHeads),
    rmsNormEps: num(config, 'rms_norm_eps', 1e-6),
    tieWordEmbeddings: config.tie_word_embeddings === true,
    attentionBias: config.attention_bias === true || config.model_type === 'qwen2',
    pairLayout: 'half-split',
    rope,
  };
}

/** Open a Hugging Face folder. Throws UsageError naming the path when it is not one. */
export async function openHfFolder(dir: string): Promise<OpenedModel> {
  let configText: string;
  try {
    configText = await readFile(join(dir, 'config.json'), 'utf8');
  } catch {
    throw new UsageError(`model '${dir}': no readable config.json (expected a Hugging Face folder, 'builtin', or a .gguf file)`);
  }
  let config: Record<string, unknown>;
  try {
    config = JSON.parse(configText) as Record<string, unknown>;
  } catch (err) {
    throw new UsageError(`model '${dir}': config.json is not valid JSON (${err instanceof Error ? err.message : String(err)})`);
  }
  const spec = specFromHfConfig(config);
  const shardNames: string[] = [];
  const single = join(dir, 'model.safetensors');
  if (await stat(single).then(() => true, () => false)) shardNames.push('model.safetensors');
  else {
    const indexPath = join(dir, 'model.safetensors.index.json');
    const indexText = await readFile(indexPath, 'utf8').catch(() => {
      throw new UsageError(`model '${dir}': neither model.safetensors nor model.safetensors.index.json found`);
    });
    shardNames.push(...new Set(parseSafetensorsIndex(indexText, indexPath).values()));
  }
  const sources = await Promise.all(shardNames.map((n) => fileByteSource(join(dir, n))));
  const tensors = new Map<string, SafetensorsTensorInfo>();
  for (const s of sources) for (const [name, info] of (await parseSafetensorsHeader(s)).tensors) tensors.set(name, info);
  return {
    spec,
    async tensorF32(hfName: string) {
      const info = tensors.get(hfName);
      if (!info) throw new UsageError(`model '${dir}': tensor '${hfName}' not found`);
      return readSafetensorsF32(info);
    },
    async close() {
      await Promise.all(sources.map((s) => s.close()));
    },
  };
}
