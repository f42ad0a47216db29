'use client';
/**
 * What the page knows about the chosen model before any worker runs: its ModelSpec/RoPE (from
 * config.json or GGUF metadata, a few KiB) and an identity hash for reports. Cached by TanStack
 * Query, keyed by the model choice. User files are opened with lib/model openModel (headers only)
 * and refused up front when a full-precision run at their trained window (lib/model/runBudget)
 * exceeds the page's memory budget both as one graph and layer-streamed (lib/model/enginePlan);
 * every build is planned and checked again in the worker with its own settings.
 */
import { useQuery, type UseQueryResult } from '@tanstack/react-query';
import type { ModelSpec } from '@/lib/model/spec';
import type { RopeConfig } from '@/lib/rope/types';
import type { ModelChoice } from '@/lib/settings/settings';
import { byteSourceFromBlob } from '@/lib/model/byteSource';
import { assertRunFits } from '@/lib/model/budgetCheck';
import { planEngine, type EnginePlan } from '@/lib/model/enginePlan';
import { describeStoredBlocks, storedLinearBits } from '@/lib/model/storedLinear';
import { formatBytes } from '@/lib/format/bytes';
import { specFromHfConfig } from '@/lib/model/hfConfig';
import { openModel } from '@/lib/model/open';
import { resolveTrainedWindow, withTrainedWindow, type TrainedWindow } from '@/lib/model/trainedWindow';
import { memoryBudgetFor } from '@/lib/scenario/weightsBudget';
import type { TokenizerSource } from '@/lib/tokenize/types';
import type { ModelFile } from '@/workers/engine/protocol';
import { servedModelIdentity } from './modelIdentity';

export const BUILTIN_MODEL_URL = '/models/bandscope-byte-4m/';

export interface ModelInfo {
  /** Stable key for caches: 'builtin:…' or 'file:<identity>', plus '@L=<tokens>' when the trained window is overridden. */
  id: string;
  label: string;
  rope: RopeConfig;
  spec: ModelSpec | null;
  /** Served folder the engine worker can read; null for local files. */
  baseUrl: string | null;
  /** The user's files for the engine's 'files' source (File handles; never read whole); null when served. */
  files: ModelFile[] | null;
  /** How text becomes token ids for this model (lib/tokenize createTokenizer). */
  tokenizer: TokenizerSource;
  /** Bytes a run in the worker may peak at (sent with every build request). */
  memoryBudgetBytes: number;
  /** Why that budget (navigator.deviceMemory or the fallback), for refusals. */
  memoryBudgetReason: string;
  /** Peak bytes of a full-precision run at the trained window (lib/model/runBudget); null when not estimated. */
  loadBytes: number | null;
  /** The engine that run takes (lib/model/enginePlan 'auto'; the worker plans each build again); null when not planned. */
  engine: { kind: 'whole-graph' | 'layer-streamed'; layerGroupSize: number } | null;
  /** lib/model identity (MODEL_IDENTITY_SCHEME): SHA-256 of the model files' names, sizes and headers — the CLI's too. */
  identity: string;
  weightsSizeBytes: number | null;
  /** Trained window L in force (the user's override or the files'), its source, and what the files state. */
  trainedWindow: TrainedWindow;
}

/** Local files the user opened; they never leave the page. */
export type UserModelFiles =
  | { kind: 'hf-folder'; files: File[] }
  /** `extra`: side files given with it, e.g. the model's tokenizer.json. */
  | { kind: 'gguf'; file: File; extra?: File[] }
  | null;

let builtinDefault: Promise<ModelInfo> | null = null;

/**
 * The built-in model's info with its stated trained window, fetched once per page: hooks/earlyStart
 * asks for it while the page's scripts still run, so the query finds it in flight or done.
 */
export function builtinDefaultInfo(): Promise<ModelInfo> {
  if (builtinDefault) return builtinDefault;
  const info = builtinInfo(null);
  builtinDefault = info;
  // A failed fetch is retried by the next call, not remembered.
  info.catch(() => {
    if (builtinDefault === info) builtinDefault = null;
  });
  return info;
}

async function builtinInfo(trainedWindowTokens: number | null): Promise<ModelInfo> {
  // Three independent reads at once: the config, the weights' size, the files' identity.
  const [configText, head, identity] = await Promise.all([
    fetch(`${BUILTIN_MODEL_URL}config.json`).then((r) => r.text()),
    fetch(`${BUILTIN_MODEL_URL}model.safetensors`, { method: 'HEAD' }),
    // The one identity scheme (lib/model MODEL_IDENTITY_SCHEME): `bandscope` prints the same hash for these files.
    servedModelIdentity(fetch, BUILTIN_MODEL_URL),
  ]);
  const config = JSON.parse(configText) as Record<string, unknown>;
  const statedSpec = specFromHfConfig(config);
  const trainedWindow = resolveTrainedWindow('hf-safetensors', config, statedSpec, trainedWindowTokens ?? undefined);
  const spec = trainedWindowTokens === null ? statedSpec : withTrainedWindow(statedSpec, trainedWindowTokens);
  const size = Number(head.headers.get('content-length') ?? NaN);
  return {
    id: `builtin:bandscope-byte-4m${windowKey(trainedWindowTokens)}`,
    label: `Built-in: bandscope-byte-4m (byte-level LLaMA, trained window ${trainedWindow.windowTokens}${trainedWindow.source === 'override' ? ', set by you; trained at 256' : ''})`,
    rope: spec.rope,
    spec,
    baseUrl: BUILTIN_MODEL_URL,
    files: null,
    tokenizer: { kind: 'bytes', vocabSize: 256, bos: null, eos: null },
    memoryBudgetBytes: pageBudget().budgetBytes,
    memoryBudgetReason: pageBudget().rule,
    loadBytes: null,
    engine: null,
    identity,
    weightsSizeBytes: Number.isFinite(size) ? size : null,
    trainedWindow,
  };
}

/**
 * Every cached job is keyed by the model id; an overridden trained window changes the PI (and so
 * every curve) without changing a file, so it is part of the id.
 */
function windowKey(trainedWindowTokens: number | null): string {
  return trainedWindowTokens === null ? '' : `@L=${trainedWindowTokens}`;
}

function pageBudget() {
  const nav = typeof navigator === 'undefined' ? undefined : (navigator as Navigator & { deviceMemory?: number });
  return memoryBudgetFor(nav?.deviceMemory);
}

const MODEL_FILE = /^(config\.json|tokenizer\.json|tokenizer_config\.json|bandscope_tokenizer\.json|model\.safetensors\.index\.json|.*\.safetensors|.*\.gguf)$/;

/**
 * A user's HF folder or .gguf, opened with lib/model (headers only; tensors stay on disk) and
 * checked against the page's memory budget before any worker reads a tensor.
 */
async function userFilesInfo(picked: File[], kind: 'hf-folder' | 'gguf', trainedWindowTokens: number | null): Promise<ModelInfo> {
  // A picked folder lists every file below it; only top-level model files matter (and a nested
  // config.json must not shadow the real one).
  const files = picked.filter((f) => (f.webkitRelativePath || f.name).split('/').length <= 2 && MODEL_FILE.test(f.name));
  if (files.length === 0)
    throw new Error(
      `no model files found (got ${
        picked
          .slice(0, 6)
          .map((f) => f.name)
          .join(', ') || 'nothing'
      }); expected config.json with .safetensors weights, or one .gguf file`,
    );
  const top = (files[0]?.webkitRelativePath || files[0]?.name || '').split('/')[0];
  const model = await openModel(
    files.map((f) => byteSourceFromBlob(f, f.name)),
    trainedWindowTokens === null ? {} : { trainedWindowTokens },
  );
  // The smallest run the page makes: full precision at the trained window, float32 sources kept by
  // the worker when it runs the whole graph; when that does not fit, the worker streams layers
  // (lib/model/enginePlan 'auto', the same plan workers/engine/hfFolder.ts makes per build).
  const { spec } = model;
  const contextTokens = Math.max(2, model.trainedWindow.windowTokens);
  const budget = pageBudget();
  const memory = { budgetBytes: budget.budgetBytes, reason: `the page's budget is ${budget.rule}` };
  const what = `a full-precision run at the trained window (${contextTokens} tokens)`;
  // A GGUF's Q4_0/Q8_0 linears run as the file's own blocks (exact repack): priced at their stored bytes, as the worker plans them.
  const storedLinears = storedLinearBits(model);
  const storedBlocks = describeStoredBlocks(model);
  let plan: EnginePlan;
  try {
    plan = planEngine(spec, { weights: { kind: 'float32' }, sourceTensors: 'kept', ...(storedLinears ? { storedLinears } : {}) }, contextTokens, memory, {
      engine: 'auto',
      what,
    });
    assertRunFits(plan.budget, memory, what);
  } catch (err) {
    throw new Error(`this model is too large for the page: ${err instanceof Error ? err.message : String(err)}. Use a smaller model.`);
  }
  const loadBytes = plan.budget.peakBytes;
  const engine = plan.engine === 'whole-graph' ? 'whole graph' : `layer-streamed, ${plan.layerGroupSize} layer(s) per group`;
  const size = files.filter((f) => /\.(safetensors|gguf)$/.test(f.name)).reduce((a, f) => a + f.size, 0);
  const kindLabel = kind === 'gguf' ? `GGUF: ${files.find((f) => f.name.endsWith('.gguf'))?.name ?? top}` : `Folder: ${top}`;
  return {
    id: `file:${model.identity}${windowKey(trainedWindowTokens)}`,
    label: `${kindLabel} (${model.architecture}, ${spec.numLayers} layers, head ${spec.headDim}; a full-precision run at ${contextTokens} tokens peaks at ${formatBytes(loadBytes)} of a ${formatBytes(budget.budgetBytes)} budget; engine: ${engine}${storedBlocks ? `; ${storedBlocks}` : ''})`,
    rope: spec.rope,
    spec,
    baseUrl: null,
    files: files.map((f) => ({ name: f.name, blob: f })),
    tokenizer: model.tokenizer,
    memoryBudgetBytes: budget.budgetBytes,
    memoryBudgetReason: `the page's budget is ${budget.rule}`,
    loadBytes,
    engine: { kind: plan.engine, layerGroupSize: plan.layerGroupSize },
    identity: model.identity,
    weightsSizeBytes: size,
    trainedWindow: model.trainedWindow,
  };
}

export function useModelInfo(choice: ModelChoice, userFiles: UserModelFiles, trainedWindowTokens: number | null): UseQueryResult<ModelInfo> {
  const fileKey =
    userFiles === null
      ? 'none'
      : userFiles.kind === 'gguf'
        ? [userFiles.file, ...(userFiles.extra ?? [])].map((f) => `${f.name}:${f.size}:${f.lastModified}`).join('|')
        : userFiles.files.map((f) => `${f.name}:${f.size}`).join('|');
  return useQuery({
    queryKey: ['model-info', choice, fileKey, trainedWindowTokens],
    staleTime: Infinity,
    retry: false,
    queryFn: async () => {
      if (choice.kind === 'builtin') return trainedWindowTokens === null ? builtinDefaultInfo() : builtinInfo(trainedWindowTokens);
      if (userFiles === null)
        throw new Error(
          `the settings name ${choice.kind === 'gguf' ? 'GGUF file' : 'folder'} '${choice.name}', but local files cannot travel in a link; open it again with the buttons on the left`,
        );
      if (userFiles.kind === 'gguf') return userFilesInfo([userFiles.file, ...(userFiles.extra ?? [])], 'gguf', trainedWindowTokens);
      return userFilesInfo(userFiles.files, 'hf-folder', trainedWindowTokens);
    },
  });
}
