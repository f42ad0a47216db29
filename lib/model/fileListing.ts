/**
 * What one weights file holds, whether or not it is a complete model: every tensor under the
 * file's own name (with its Hugging Face name), dtype, shape, where its data lies, and the
 * file's metadata. Reads headers only (openModel is what derives a ModelSpec; a file that
 * is not a model — Bandscope's own patched q/k export, a GGUF of an unknown architecture, a
 * shard — is still listed here).
 */
import type { ByteSource } from './byteSource';
import { baseName } from './byteSource';
import { ModelFormatError } from './errors';
import { parseGgufHeader, readGgufF32, type GgufValue } from './gguf';
import { parseSafetensorsHeader, readSafetensorsF32 } from './safetensors';
import { hfNameFromGguf } from './tensorNames';

export interface ListedTensor {
  /** Name inside the file (GGUF: e.g. 'blk.0.attn_q.weight'). */
  name: string;
  /** Hugging Face name: GGUF names mapped by tensorNames.ts; a safetensors name as it is. */
  hfName: string;
  fileName: string;
  /** safetensors dtype (F32, BF16, …) or ggml type (Q4_K, …). */
  dtype: string;
  /** Row-major shape, HF orientation (GGUF ne[] reversed): [out_features, in_features] for a weight. */
  shape: number[];
  /** Absolute byte offset of the tensor's data within its file. */
  offsetBytes: number;
  sizeBytes: number;
}

/**
 * A metadata value as listed: scalars as they are (a uint64/int64 beyond 2^53 as its decimal
 * string), short arrays element by element, and arrays of more than LISTED_ARRAY_MAX_LENGTH
 * elements (tokenizer vocabularies, merges, scores) only as their element kind and length.
 */
export type MetadataSummary = string | number | boolean | MetadataSummary[] | { array: 'string' | 'number' | 'boolean' | 'array'; length: number };

/** Arrays longer than this are summarised, never listed whole. */
export const LISTED_ARRAY_MAX_LENGTH = 16;

export interface ListedWeightsFile {
  fileName: string;
  format: 'safetensors' | 'gguf';
  sizeBytes: number;
  /** GGUF version (2 or 3); absent for safetensors. */
  ggufVersion?: number;
  /** Absolute offset where the tensor data section starts (8 + JSON length for safetensors). */
  dataOffsetBytes: number;
  /** safetensors `__metadata__` (strings) or every GGUF metadata key, summarised. */
  metadata: Record<string, MetadataSummary>;
  /** In the file's own order: header order (safetensors), tensor-info order (GGUF). */
  tensors: ListedTensor[];
}

export interface WeightsFileListing {
  file: ListedWeightsFile;
  /**
   * Float32 values of the tensor `fileTensorName` (its name in this file), or of rows
   * [first, first + count) of its first dimension, in the file's own row order (dequantized for
   * GGUF). Throws ModelFormatError for an unknown name or a dtype that has no float32 reading.
   */
  tensorF32(fileTensorName: string, rows?: { first: number; count: number }): Promise<Float32Array>;
}

/** Summary of one GGUF metadata value (see MetadataSummary). */
export function summarizeGgufValue(value: GgufValue): MetadataSummary {
  if (typeof value === 'bigint') return value.toString();
  if (!Array.isArray(value)) return value;
  if (value.length > LISTED_ARRAY_MAX_LENGTH) {
    const first = value[0];
    const kind = Array.isArray(first) ? 'array' : typeof first === 'bigint' ? 'number' : (typeof first as 'string' | 'number' | 'boolean');
    return { array: kind, length: value.length };
  }
  return value.map(summarizeGgufValue);
}

/**
 * Lists a `.safetensors` or `.gguf` file (chosen by its name's extension) from its header.
 * Throws ModelFormatError, naming the file, for any other name and for a corrupt or
 * truncated header (see parseSafetensorsHeader / parseGgufHeader for what is checked).
 */
export async function listWeightsFile(source: ByteSource): Promise<WeightsFileListing> {
  const fileName = baseName(source.name);
  const lower = fileName.toLowerCase();
  if (lower.endsWith('.safetensors')) {
    const parsed = await parseSafetensorsHeader(source);
    const tensors = [...parsed.tensors.values()].map((t) => ({
      name: t.name,
      hfName: t.name,
      fileName,
      dtype: t.dtype,
      shape: t.shape.slice(),
      offsetBytes: t.fileOffsetBytes,
      sizeBytes: t.sizeBytes,
    }));
    return {
      file: {
        fileName,
        format: 'safetensors',
        sizeBytes: source.sizeBytes,
        dataOffsetBytes: parsed.headerBytes.length,
        metadata: { ...parsed.metadata },
        tensors,
      },
      tensorF32: async (name, rows) => readSafetensorsF32(lookup(parsed.tensors, name, fileName), rows),
    };
  }
  if (lower.endsWith('.gguf')) {
    const parsed = await parseGgufHeader(source);
    const metadata: Record<string, MetadataSummary> = {};
    for (const [key, value] of Object.entries(parsed.metadata)) metadata[key] = summarizeGgufValue(value);
    const tensors = [...parsed.tensors.values()].map((t) => ({
      name: t.name,
      hfName: hfNameFromGguf(t.name),
      fileName,
      dtype: t.ggmlType,
      shape: t.shape.slice(),
      offsetBytes: t.fileOffsetBytes,
      sizeBytes: t.sizeBytes,
    }));
    return {
      file: { fileName, format: 'gguf', sizeBytes: source.sizeBytes, ggufVersion: parsed.version, dataOffsetBytes: parsed.dataStartBytes, metadata, tensors },
      tensorF32: async (name, rows) => readGgufF32(lookup(parsed.tensors, name, fileName), rows),
    };
  }
  throw new ModelFormatError(`${fileName}: not a weights file (expected a name ending in .safetensors or .gguf)`);
}

function lookup<T>(tensors: ReadonlyMap<string, T>, name: string, fileName: string): T {
  const info = tensors.get(name);
  if (info === undefined) throw new ModelFormatError(`${fileName}: no tensor named ${name}`);
  return info;
}
