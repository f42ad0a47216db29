import { parseBandscopeTokenizer } from '../tokenize/byteTokenizer';
import { ggufTokenizerSource } from '../tokenize/ggufSource';
import type { TokenizerSource } from '../tokenize/types';
import { baseName, type ByteSource } from './byteSource';
import { ModelFormatError } from './errors';
import { parseGgufHeader, readGgufF32, readGgufRaw, type GgufFile, type GgufTensorInfo, type GgufValue } from './gguf';
import { specFromGgufMetadata } from './ggufSpec';
import { fusedTensorSlices, listWithSlices, locateRows, shapesWithSlices } from './fusedTensors';
import { specFromHfConfig } from './hfConfig';
import {
  parseSafetensorsHeader,
  parseSafetensorsIndex,
  readSafetensorsF32,
  readSafetensorsRaw,
  type SafetensorsFile,
  type SafetensorsTensorInfo,
} from './safetensors';
import { DECODABLE_GGML_TYPES } from '../quant/gguf/dequantize';
import { ggmlTypeByName } from '../quant/gguf/types';
import { Sha256 } from './sha256';
import type { ModelSpec } from './spec';
import { aliasesByStoredName, embeddingsShareStorage, resolveTensorAliases, withAliases } from './tensorAliases';
import { hfNameFromGguf } from './tensorNames';
import { resolveTrainedWindow, withTrainedWindow, type TrainedWindow } from './trainedWindow';
import { validateSpecAgainstTensors } from './validateSpec';

export interface ModelTensor {
  /** Hugging Face name, whatever the file calls it. */
  name: string;
  /** safetensors dtype (F32, BF16, …) or ggml type (Q4_K, …). */
  dtype: string;
  /** Row-major, HF orientation: [out_features, in_features] for a weight. */
  shape: number[];
  /** Bytes in the file. */
  sizeBytes: number;
  /** Name inside the file (GGUF name for GGUF). */
  fileTensorName: string;
  fileName: string;
  /**
   * Other HF names that read this same stored tensor (sorted; absent when none): a tied
   * embedding stored once, or a safetensors `__metadata__` alias. Never listed twice.
   */
  aliases?: string[];
}

export type RowRange = { first: number; count: number };

export interface OpenedModel {
  format: 'hf-safetensors' | 'gguf';
  architecture: string;
  spec: ModelSpec;
  /** What the files store, one entry per stored tensor (aliases listed on it, not beside it). */
  tensors: ModelTensor[];
  /**
   * The HF name of the stored tensor that `hfName` reads: itself when stored, the target when it
   * is an alias (tied embeddings, `__metadata__`), undefined when neither. Key caches by this so
   * both names of a shared matrix share one float32 copy.
   */
  resolveTensorName(hfName: string): string | undefined;
  /**
   * One tensor (or rows [first, first+count) of its first dimension) as float32, in the
   * file's own row order: GGUF LLaMA q/k rows stay interleaved (see spec.pairLayout).
   */
  tensorF32(hfName: string, rows?: RowRange): Promise<Float32Array>;
  /** The stored bytes (little-endian; ggml blocks for GGUF) of a tensor or row range. */
  nativeTensor(hfName: string, rows?: RowRange): Promise<{ dtype: string; shape: number[]; bytes: Uint8Array }>;
  tokenizer: TokenizerSource;
  /** config.json object (HF) or GGUF metadata. */
  metadata: Record<string, unknown>;
  /**
   * SHA-256 (hex) of: the tag "bandscope-model-v1", then for each file used, sorted by
   * name: its base name, its size in bytes, and its header bytes (whole file for JSON
   * files; 8-byte length + JSON header for safetensors; everything before the tensor data
   * for GGUF). Tensor data itself is not hashed.
   */
  identity: string;
  /** The trained window L in force (after any override), where it comes from, and what the files state. */
  trainedWindow: TrainedWindow;
}

export interface OpenModelOptions {
  /** Trained window L to use instead of the one the files state (tokens; see lib/model/trainedWindow). */
  trainedWindowTokens?: number;
}

/** An opened model before the trained window is resolved. */
type OpenedFiles = Omit<OpenedModel, 'trainedWindow'>;

async function readJson(source: ByteSource): Promise<{ json: Record<string, unknown>; bytes: Uint8Array }> {
  if (source.sizeBytes > 64 * 1024 * 1024) throw new ModelFormatError(`${source.name}: ${source.sizeBytes} bytes is too large for a JSON side file`);
  const bytes = await source.read(0, source.sizeBytes);
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch {
    throw new ModelFormatError(`${source.name}: not valid UTF-8 JSON`);
  }
  if (json === null || typeof json !== 'object' || Array.isArray(json)) throw new ModelFormatError(`${source.name}: does not hold a JSON object`);
  return { json: json as Record<string, unknown>, bytes };
}

/**
 * The one model identity scheme (issue #10): every report, scales JSON, download and CLI output
 * names a model by this hash of its files (see OpenedModel.identity), under this key.
 */
export const MODEL_IDENTITY_SCHEME = 'bandscope-model-v1';

function identityOf(parts: Array<{ name: string; sizeBytes: number; headerBytes: Uint8Array }>): string {
  const h = new Sha256().updateText(`${MODEL_IDENTITY_SCHEME}\0`);
  for (const p of [...parts].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    h.updateText(`${p.name}\0${p.sizeBytes}\0`);
    h.update(p.headerBytes);
  }
  return h.hex();
}

/**
 * Opens a model from its files: a Hugging Face folder (config.json + model.safetensors,
 * or shards + model.safetensors.index.json; optional tokenizer.json /
 * tokenizer_config.json / bandscope_tokenizer.json) or one .gguf file (optionally with a
 * tokenizer.json). Reads headers only; tensors are read on request.
 */
export async function openModel(files: ByteSource[], options: OpenModelOptions = {}): Promise<OpenedModel> {
  const opened = await openFiles(files);
  const trainedWindow = resolveTrainedWindow(opened.format, opened.metadata, opened.spec, options.trainedWindowTokens);
  const spec = options.trainedWindowTokens === undefined ? opened.spec : withTrainedWindow(opened.spec, options.trainedWindowTokens);
  return { ...opened, spec, trainedWindow };
}

async function openFiles(files: ByteSource[]): Promise<OpenedFiles> {
  const byName = new Map<string, ByteSource>();
  for (const f of files) byName.set(baseName(f.name), f);
  const ggufs = [...byName.keys()].filter((n) => n.toLowerCase().endsWith('.gguf'));
  const tokenizerJson = byName.get('tokenizer.json');
  let tokenizer: TokenizerSource = { kind: 'none' };
  const sideParts: Array<{ name: string; sizeBytes: number; headerBytes: Uint8Array }> = [];
  const bandscopeTok = byName.get('bandscope_tokenizer.json');
  if (bandscopeTok) {
    const { json, bytes } = await readJson(bandscopeTok);
    const parsed = parseBandscopeTokenizer(json);
    if (!parsed) throw new ModelFormatError('bandscope_tokenizer.json: expected {"type": "bytes", "vocab_size": 256, …}');
    tokenizer = parsed;
    sideParts.push({ name: 'bandscope_tokenizer.json', sizeBytes: bytes.length, headerBytes: bytes });
  } else if (tokenizerJson) {
    const { json, bytes } = await readJson(tokenizerJson);
    const configSource = byName.get('tokenizer_config.json');
    const config = configSource ? (await readJson(configSource)).json : undefined;
    tokenizer = { kind: 'hf-json', json, ...(config ? { config } : {}) };
    sideParts.push({ name: 'tokenizer.json', sizeBytes: bytes.length, headerBytes: bytes });
  }
  if (ggufs.length > 1) throw new ModelFormatError(`got ${ggufs.length} .gguf files (${ggufs.join(', ')}); give exactly one (split GGUFs are not supported)`);
  if (ggufs.length === 1) return openGguf(byName.get(ggufs[0])!, tokenizer, sideParts);
  return openHf(byName, tokenizer, sideParts);
}

async function openHf(
  byName: Map<string, ByteSource>,
  tokenizer: TokenizerSource,
  parts: Array<{ name: string; sizeBytes: number; headerBytes: Uint8Array }>,
): Promise<OpenedFiles> {
  const configSource = byName.get('config.json');
  const weightNames = [...byName.keys()].filter((n) => n.endsWith('.safetensors'));
  if (!configSource) {
    throw new ModelFormatError(
      weightNames.length > 0
        ? 'found .safetensors weights but no config.json next to them'
        : 'no model found: expected a .gguf file, or config.json with .safetensors weights',
    );
  }
  const { json: config, bytes: configBytes } = await readJson(configSource);
  parts.push({ name: 'config.json', sizeBytes: configBytes.length, headerBytes: configBytes });
  let spec = specFromHfConfig(config);
  const indexSource = byName.get('model.safetensors.index.json');
  let shardNames: string[];
  if (indexSource) {
    const indexBytes = await indexSource.read(0, indexSource.sizeBytes);
    const weightMap = parseSafetensorsIndex(new TextDecoder().decode(indexBytes), indexSource.name);
    shardNames = [...new Set(weightMap.values())].sort();
    const missing = shardNames.filter((n) => !byName.has(n));
    if (missing.length > 0) throw new ModelFormatError(`model.safetensors.index.json lists shards that were not given: ${missing.join(', ')}`);
    parts.push({ name: 'model.safetensors.index.json', sizeBytes: indexBytes.length, headerBytes: indexBytes });
  } else {
    if (weightNames.length === 0) throw new ModelFormatError('config.json found but no .safetensors weights');
    if (weightNames.length > 1)
      throw new ModelFormatError(`got ${weightNames.length} .safetensors files but no model.safetensors.index.json to say how they fit together`);
    shardNames = weightNames;
  }
  const infos = new Map<string, SafetensorsTensorInfo>();
  const files: SafetensorsFile[] = [];
  for (const shard of shardNames) {
    const file = await parseSafetensorsHeader(byName.get(shard)!);
    files.push(file);
    parts.push({ name: shard, sizeBytes: file.source.sizeBytes, headerBytes: file.headerBytes });
    for (const [name, info] of file.tensors) {
      if (infos.has(name)) throw new ModelFormatError(`tensor ${name} appears in two shards (${infos.get(name)!.source.name}, ${shard})`);
      infos.set(name, info);
    }
  }
  const stored = new Set(infos.keys());
  const aliases = resolveTensorAliases(stored, {
    tieWordEmbeddings: spec.tieWordEmbeddings,
    metadata: Object.assign({}, ...files.map((f) => f.metadata)) as Record<string, string>,
  });
  // One matrix stored for both names is tied whatever config.json says: the engine then reads it once.
  if (!spec.tieWordEmbeddings && embeddingsShareStorage(stored, aliases)) spec = { ...spec, tieWordEmbeddings: true };
  const resolved = withAliases(infos, aliases);
  const aliasesOf = aliasesByStoredName(aliases);
  const fileShapes = new Map([...resolved].map(([n, i]) => [n, i.shape]));
  // Phi-3's fused qkv_proj / gate_up_proj: the usual names become row ranges of them.
  const fused = fusedTensorSlices(spec, fileShapes, 'config.json');
  validateSpecAgainstTensors(spec, shapesWithSlices(fileShapes, fused), 'config.json');
  const get = (name: string): SafetensorsTensorInfo => {
    const info = resolved.get(name);
    if (!info) throw new ModelFormatError(`no tensor named ${name} in the model`);
    return info;
  };
  return {
    format: 'hf-safetensors',
    architecture: spec.architecture,
    spec,
    tensors: listWithSlices(
      [...infos.values()].map((i) => ({
        name: i.name,
        dtype: i.dtype,
        shape: i.shape.slice(),
        sizeBytes: i.sizeBytes,
        fileTensorName: i.name,
        fileName: baseName(i.source.name),
        ...(aliasesOf.has(i.name) ? { aliases: aliasesOf.get(i.name) } : {}),
      })),
      fused,
    ),
    resolveTensorName: (name) => storedNameOf(name, infos, aliases, fused),
    tensorF32: async (name, rows) => {
      const at = locateRows(fused, name, rows);
      return readSafetensorsF32(get(at.name), at.rows);
    },
    nativeTensor: async (name, rows) => {
      const at = locateRows(fused, name, rows);
      const info = get(at.name);
      const shape = info.shape.slice();
      if (at.rows && shape.length > 0) shape[0] = at.rows.count;
      return { dtype: info.dtype, shape, bytes: await readSafetensorsRaw(info, at.rows) };
    },
    tokenizer,
    metadata: config,
    identity: identityOf(parts),
  };
}

/**
 * The name a tensor cache should key `name` by: itself when stored or a fused part (a distinct
 * array), the stored tensor it aliases (tied embeddings), else undefined.
 */
function storedNameOf(
  name: string,
  stored: ReadonlyMap<string, unknown>,
  aliases: ReadonlyMap<string, string>,
  fused: ReadonlyMap<string, unknown>,
): string | undefined {
  if (stored.has(name) || fused.has(name)) return name;
  return aliases.get(name);
}

async function openGguf(
  source: ByteSource,
  tokenizer: TokenizerSource,
  parts: Array<{ name: string; sizeBytes: number; headerBytes: Uint8Array }>,
): Promise<OpenedFiles> {
  const file: GgufFile = await parseGgufHeader(source);
  parts.push({ name: baseName(source.name), sizeBytes: source.sizeBytes, headerBytes: file.headerBytes });
  const infos = new Map<string, GgufTensorInfo>();
  const arch = file.metadata['general.architecture'];
  for (const info of file.tensors.values()) infos.set(hfNameFromGguf(info.name, typeof arch === 'string' ? arch : undefined), info);
  const shapes = new Map([...infos].map(([n, i]) => [n, i.shape]));
  const freqInfo = infos.get('rope_freqs.weight');
  const freqFactors = freqInfo ? await readGgufF32(freqInfo) : undefined;
  const spec = specFromGgufMetadata(file.metadata, shapes, freqFactors);
  // Refuse up front, naming the tensor, rather than when the engine first reads it.
  const undecodable = [...file.tensors.values()].find((t) => !ggmlTypeByName(t.ggmlType)?.decodable);
  if (undecodable) {
    throw new ModelFormatError(
      `${baseName(source.name)}: tensor ${undecodable.name} is stored as ggml type ${undecodable.ggmlType}, which Bandscope cannot dequantize yet (supported: ${DECODABLE_GGML_TYPES.join(', ')}); use a GGUF quantized with one of those, or its F16/F32 file`,
    );
  }
  // No output.weight means tied (specFromGgufMetadata): lm_head.weight then reads token_embd.
  const aliases = resolveTensorAliases(new Set(infos.keys()), { tieWordEmbeddings: spec.tieWordEmbeddings });
  const resolved = withAliases(infos, aliases);
  const aliasesOf = aliasesByStoredName(aliases);
  const resolvedShapes = new Map([...resolved].map(([n, i]) => [n, i.shape]));
  // Phi-3's fused attn_qkv / ffn_up: the usual names become row ranges of them.
  const fused = fusedTensorSlices(spec, resolvedShapes, 'the GGUF metadata');
  validateSpecAgainstTensors(spec, shapesWithSlices(resolvedShapes, fused), 'the GGUF metadata');
  // A tokenizer.json / bandscope_tokenizer.json given beside the file wins over the embedded one.
  if (tokenizer.kind === 'none') tokenizer = ggufTokenizerSource(file.metadata, shapes.get('model.embed_tokens.weight')?.[0] ?? spec.vocabSize) ?? tokenizer;
  const get = (name: string): GgufTensorInfo => {
    const info = resolved.get(name);
    if (!info) throw new ModelFormatError(`no tensor named ${name} in the model`);
    return info;
  };
  return {
    format: 'gguf',
    architecture: spec.architecture,
    spec,
    tensors: listWithSlices(
      [...infos].map(([name, i]) => ({
        name,
        dtype: i.ggmlType,
        shape: i.shape.slice(),
        sizeBytes: i.sizeBytes,
        fileTensorName: i.name,
        fileName: baseName(source.name),
        ...(aliasesOf.has(name) ? { aliases: aliasesOf.get(name) } : {}),
      })),
      fused,
    ),
    resolveTensorName: (name) => storedNameOf(name, infos, aliases, fused),
    tensorF32: async (name, rows) => {
      const at = locateRows(fused, name, rows);
      return readGgufF32(get(at.name), at.rows);
    },
    nativeTensor: async (name, rows) => {
      const at = locateRows(fused, name, rows);
      const info = get(at.name);
      const shape = info.shape.slice();
      if (at.rows && shape.length > 1) shape[0] = at.rows.count;
      return { dtype: info.ggmlType, shape, bytes: await readGgufRaw(info, at.rows) };
    },
    tokenizer,
    metadata: file.metadata as Record<string, GgufValue>,
    identity: identityOf(parts),
  };
}
