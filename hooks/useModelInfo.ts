'use client';
/**
 * What the page knows about the chosen model before any worker runs: its ModelSpec/RoPE (from
 * config.json or GGUF metadata, a few KiB) and an identity hash for reports. Cached by TanStack
 * Query, keyed by the model choice.
 */
import { useQuery, type UseQueryResult } from '@tanstack/react-query';
import type { ModelSpec } from '@/lib/model/spec';
import type { RopeConfig } from '@/lib/rope/types';
import type { ModelChoice } from '@/lib/settings/settings';
import { byteSourceFromBlob } from '@/lib/model/byteSource';
import { parseGgufHeader } from '@/lib/model/gguf';
import { ropeConfigFromGgufMetadata } from '@/lib/rope/parseGguf';
import { specFromHfConfig } from '@/lib/model/hfConfig';

export const BUILTIN_MODEL_URL = '/models/bandscope-byte-4m/';

export interface ModelInfo {
  /** Stable key for caches: 'builtin:…' or 'file:name:size:mtime'. */
  id: string;
  label: string;
  rope: RopeConfig;
  spec: ModelSpec | null;
  /** Served folder the engine worker can read; null for local files (diagnostics from config only). */
  baseUrl: string | null;
  /** sha256 hex of config.json (or the GGUF header bytes) plus the weight file's size. */
  identity: string;
  weightsSizeBytes: number | null;
}

/** Local files the user opened; they never leave the page. */
export type UserModelFiles = { kind: 'hf-folder'; files: File[] } | { kind: 'gguf'; file: File } | null;

async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', bytes as BufferSource);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
}

async function builtinInfo(): Promise<ModelInfo> {
  const configText = await (await fetch(`${BUILTIN_MODEL_URL}config.json`)).text();
  const spec = specFromHfConfig(JSON.parse(configText) as Record<string, unknown>);
  const head = await fetch(`${BUILTIN_MODEL_URL}model.safetensors`, { method: 'HEAD' });
  const size = Number(head.headers.get('content-length') ?? NaN);
  return {
    id: 'builtin:bandscope-byte-4m',
    label: 'Built-in: bandscope-byte-4m (byte-level LLaMA, trained window 256)',
    rope: spec.rope,
    spec,
    baseUrl: BUILTIN_MODEL_URL,
    identity: await sha256Hex(new TextEncoder().encode(`${configText}\n${size}`)),
    weightsSizeBytes: Number.isFinite(size) ? size : null,
  };
}

async function folderInfo(files: File[]): Promise<ModelInfo> {
  const byName = new Map(files.map((f) => [f.name, f]));
  const config = byName.get('config.json');
  if (!config) throw new Error(`the folder has no config.json (found: ${files.map((f) => f.name).slice(0, 8).join(', ')}); pick the folder that holds config.json and model.safetensors`);
  const configText = await config.text();
  let parsed: Record<string, unknown>;
  try {
    parsed = JSON.parse(configText) as Record<string, unknown>;
  } catch (err) {
    throw new Error(`config.json is not valid JSON (${err instanceof Error ? err.message : String(err)})`);
  }
  const spec = specFromHfConfig(parsed);
  const weights = files.filter((f) => f.name.endsWith('.safetensors'));
  if (weights.length === 0) throw new Error('the folder has no .safetensors weights; Bandscope reads model.safetensors or sharded model-0000x-of-0000y.safetensors');
  const size = weights.reduce((a, f) => a + f.size, 0);
  return {
    id: `file:${config.webkitRelativePath || config.name}:${size}:${config.lastModified}`,
    label: `Folder: ${(config.webkitRelativePath || config.name).split('/')[0]} (${spec.numLayers} layers, head ${spec.headDim})`,
    rope: spec.rope,
    spec,
    baseUrl: null,
    identity: await sha256Hex(new TextEncoder().encode(`${configText}\n${size}`)),
    weightsSizeBytes: size,
  };
}

async function ggufInfo(file: File): Promise<ModelInfo> {
  const gguf = await parseGgufHeader(byteSourceFromBlob(file));
  const arch = String(gguf.metadata['general.architecture'] ?? 'llama');
  const rope = ropeConfigFromGgufMetadata(gguf.metadata as Record<string, unknown>, arch);
  const head = new Uint8Array(await file.slice(0, Math.min(file.size, 1 << 20)).arrayBuffer());
  return {
    id: `file:${file.name}:${file.size}:${file.lastModified}`,
    label: `GGUF: ${file.name} (${arch})`,
    rope,
    spec: null,
    baseUrl: null,
    identity: await sha256Hex(head),
    weightsSizeBytes: file.size,
  };
}

export function useModelInfo(choice: ModelChoice, userFiles: UserModelFiles): UseQueryResult<ModelInfo> {
  const fileKey =
    userFiles === null ? 'none' : userFiles.kind === 'gguf' ? `${userFiles.file.name}:${userFiles.file.size}:${userFiles.file.lastModified}` : userFiles.files.map((f) => `${f.name}:${f.size}`).join('|');
  return useQuery({
    queryKey: ['model-info', choice, fileKey],
    staleTime: Infinity,
    retry: false,
    queryFn: async () => {
      if (choice.kind === 'builtin') return builtinInfo();
      if (userFiles === null) throw new Error(`the settings name ${choice.kind === 'gguf' ? 'GGUF file' : 'folder'} '${choice.name}', but local files cannot travel in a link; open it again with the buttons on the left`);
      if (userFiles.kind === 'gguf') return ggufInfo(userFiles.file);
      return folderInfo(userFiles.files);
    },
  });
}
