/**
 * Reads a Hugging Face folder served over HTTP (config.json + one model.safetensors, F32) by
 * byte ranges and returns what lib/onnx's graph builder needs. A narrow bridge for the built-in
 * model until lib/model's openModel (sharded files, F16/BF16, GGUF) is wired in here.
 */
import type { ModelSpec } from '../../lib/model/spec';
import type { DecoderLayerWeights, DecoderWeights, F32Linear } from '../../lib/onnx/weights';
import { parseRtnSpec } from '../../lib/quant/rtnSpec';
import { rtnFakeQuant } from '../../lib/quant/rtn';
import { ropeConfigFromHfConfig } from '../../lib/rope/parseHf';

export type FetchLike = (url: string, init?: { headers?: Record<string, string>; signal?: AbortSignal }) => Promise<{
  ok: boolean;
  status: number;
  arrayBuffer(): Promise<ArrayBuffer>;
  json(): Promise<unknown>;
}>;

interface TensorEntry {
  dtype: string;
  shape: number[];
  data_offsets: [number, number];
}

const joinUrl = (baseUrl: string, file: string): string => (baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`) + file;

/** Reads [start, end) of url with a Range request; a server that ignores Range is an error (no silent whole-file reads). */
async function readRange(fetchFn: FetchLike, url: string, start: number, end: number): Promise<Uint8Array> {
  const response = await fetchFn(url, { headers: { Range: `bytes=${start}-${end - 1}` } });
  if (response.status !== 206 && !(response.ok && start === 0)) {
    throw new Error(`${url}: range ${start}-${end - 1} answered HTTP ${response.status} (expected 206 Partial Content)`);
  }
  const bytes = new Uint8Array(await response.arrayBuffer());
  if (response.status !== 206) return bytes.subarray(0, end - start);
  if (bytes.length !== end - start) throw new Error(`${url}: asked for ${end - start} bytes at ${start}, got ${bytes.length}`);
  return bytes;
}

export function specFromHfConfig(config: Record<string, unknown>): ModelSpec {
  const num = (key: string): number => {
    const value = config[key];
    if (typeof value !== 'number') throw new Error(`config.json: '${key}' is ${JSON.stringify(value)}, expected a number`);
    return value;
  };
  const numHeads = num('num_attention_heads');
  const hiddenSize = num('hidden_size');
  return {
    architecture: String(config.model_type ?? 'llama'),
    vocabSize: num('vocab_size'),
    hiddenSize,
    intermediateSize: num('intermediate_size'),
    numLayers: num('num_hidden_layers'),
    numHeads,
    numKvHeads: typeof config.num_key_value_heads === 'number' ? config.num_key_value_heads : numHeads,
    headDim: typeof config.head_dim === 'number' ? config.head_dim : hiddenSize / numHeads,
    rmsNormEps: num('rms_norm_eps'),
    tieWordEmbeddings: config.tie_word_embeddings === true,
    attentionBias: config.attention_bias === true,
    pairLayout: 'half-split',
    rope: ropeConfigFromHfConfig(config),
  };
}

export interface LoadedHfModel {
  spec: ModelSpec;
  weights: DecoderWeights;
  sizeBytes: number;
}

/**
 * Fetches config.json and the F32 tensors of model.safetensors under baseUrl; applies RTN fake
 * quantization (lib/quant) to every decoder linear when `quant` is given (SPEC §3).
 */
export async function loadHfFolder(
  fetchFn: FetchLike,
  baseUrl: string,
  quant: string | null | undefined,
  onProgress: (fraction: number, message: string) => void,
  throwIfCancelled: () => void,
): Promise<LoadedHfModel> {
  const configResponse = await fetchFn(joinUrl(baseUrl, 'config.json'));
  if (!configResponse.ok) throw new Error(`${joinUrl(baseUrl, 'config.json')}: HTTP ${configResponse.status}`);
  const spec = specFromHfConfig((await configResponse.json()) as Record<string, unknown>);
  const url = joinUrl(baseUrl, 'model.safetensors');
  const lengthBytes = new DataView((await readRange(fetchFn, url, 0, 8)).slice().buffer).getBigUint64(0, true);
  const headerLen = Number(lengthBytes);
  const header = JSON.parse(new TextDecoder().decode(await readRange(fetchFn, url, 8, 8 + headerLen))) as Record<string, TensorEntry>;
  const dataStart = 8 + headerLen;
  const entries = Object.entries(header).filter(([name]) => name !== '__metadata__');
  const tensors = new Map<string, Float32Array>();
  let sizeBytes = 0;
  for (const [index, [name, entry]] of entries.entries()) {
    throwIfCancelled();
    if (entry.dtype !== 'F32') throw new Error(`${url}: tensor ${name} is ${entry.dtype}; this loader reads F32 only`);
    const [a, b] = entry.data_offsets;
    const bytes = await readRange(fetchFn, url, dataStart + a, dataStart + b);
    tensors.set(name, new Float32Array(bytes.slice().buffer));
    sizeBytes += b - a;
    onProgress((index + 1) / entries.length, name);
  }
  const take = (name: string, expectedLength: number): Float32Array => {
    const t = tensors.get(name);
    if (!t) throw new Error(`${url}: tensor ${name} is missing`);
    if (t.length !== expectedLength) throw new Error(`${url}: tensor ${name} has ${t.length} values, expected ${expectedLength}`);
    return t;
  };
  const rtn = quant ? parseRtnSpec(quant) : null;
  const linear = (name: string, outFeatures: number, inFeatures: number): F32Linear => {
    const weight = take(name, outFeatures * inFeatures);
    return { kind: 'f32', outFeatures, inFeatures, weight: rtn ? rtnFakeQuant(weight, outFeatures, inFeatures, rtn) : weight };
  };
  const { hiddenSize: h, intermediateSize: f, numHeads, numKvHeads, headDim, vocabSize } = spec;
  const layers: DecoderLayerWeights[] = [];
  for (let l = 0; l < spec.numLayers; l++) {
    const p = `model.layers.${l}.`;
    layers.push({
      inputNorm: take(`${p}input_layernorm.weight`, h),
      postAttentionNorm: take(`${p}post_attention_layernorm.weight`, h),
      q: linear(`${p}self_attn.q_proj.weight`, numHeads * headDim, h),
      k: linear(`${p}self_attn.k_proj.weight`, numKvHeads * headDim, h),
      v: linear(`${p}self_attn.v_proj.weight`, numKvHeads * headDim, h),
      o: linear(`${p}self_attn.o_proj.weight`, h, numHeads * headDim),
      gate: linear(`${p}mlp.gate_proj.weight`, f, h),
      up: linear(`${p}mlp.up_proj.weight`, f, h),
      down: linear(`${p}mlp.down_proj.weight`, h, f),
    });
  }
  const embedTokens = take('model.embed_tokens.weight', vocabSize * h);
  const lmHead = spec.tieWordEmbeddings ? embedTokens : take('lm_head.weight', vocabSize * h);
  return { spec, weights: { embedTokens, layers, finalNorm: take('model.norm.weight', h), lmHead }, sizeBytes };
}
