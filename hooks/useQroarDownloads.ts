'use client';
/**
 * Files of a search result, for the page to save (hooks never render or touch components, so the
 * caller hands them to components/download): patched full-precision q_proj/k_proj of every layer (safetensors,
 * the model's own row order, as `bandscope search --out` writes) and the versioned scales JSON.
 * Reads the served model folder (config + weights) with lib/model; scaling a few projection
 * matrices is milliseconds for the built-in model.
 */
import { writeSafetensorsF32 } from '@/lib/export/safetensorsWriter';
import { formatQroarScalesJson } from '@/lib/export/scalesJson';
import { byteSourceFromBlob } from '@/lib/model/byteSource';
import { openModel } from '@/lib/model/open';
import type { ReportSearchRun } from '@/lib/report/searchRecord';
import { patchedQkTensors, scalesFileOf, scalesOutcomeSettings } from '@/lib/scenario/searchExport';
import { bandsFromPairRanges } from '@/lib/scenario/weights';
import type { ModelInfo } from './useModelInfo';

/** A file to save: name, contents, MIME type. */
export interface DownloadFile {
  fileName: string;
  data: Blob | string;
  mimeType: string;
}

async function fetchBlob(url: string): Promise<Blob> {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status}`);
  return res.blob();
}

function qroarOf(run: ReportSearchRun, scales: number[]) {
  return { variant: run.variant, bands: bandsFromPairRanges(run.bands.map((b) => [b.firstPair, b.lastPair] as [number, number])), scales };
}

export async function patchedQkFile(model: ModelInfo, run: ReportSearchRun, scales: number[]): Promise<DownloadFile> {
  let sources;
  if (model.files !== null) sources = model.files.map((f) => byteSourceFromBlob(f.blob, f.name));
  else if (model.baseUrl !== null) {
    const [config, weights] = await Promise.all([fetchBlob(`${model.baseUrl}config.json`), fetchBlob(`${model.baseUrl}model.safetensors`)]);
    sources = [byteSourceFromBlob(config, 'config.json'), byteSourceFromBlob(weights, 'model.safetensors')];
  } else throw new Error('the model has no weight files to patch');
  // Byte-range reads: only the q/k projections are read from the user's files.
  const opened = await openModel(sources);
  const tensors = await patchedQkTensors(opened.spec, (name) => opened.tensorF32(name), qroarOf(run, scales));
  const bytes = writeSafetensorsF32(tensors, { format: 'pt', producer: 'bandscope dashboard', variant: run.variant });
  return { fileName: 'qroar-patched.safetensors', data: new Blob([bytes as BlobPart]), mimeType: 'application/octet-stream' };
}

export function scalesJsonFile(model: ModelInfo, run: ReportSearchRun, scales: number[], bandSource: string, settingsQuery: string): DownloadFile {
  if (!model.spec) throw new Error('the model spec is not known; cannot write the scales file');
  const file = scalesFileOf({
    spec: model.spec,
    qroar: qroarOf(run, scales),
    bandSource,
    modelName: model.label,
    modelIdentity: model.identity,
    settings: {
      settingsQuery,
      context: run.contextTokens,
      shortContext: run.shortContextTokens,
      grid: run.grid,
      guard: run.guardTolerance,
      windows: run.windows,
      objective: 'mean dev NLL at context (nats/token)',
      ...scalesOutcomeSettings(run),
    },
  });
  return { fileName: 'qroar-scales.json', data: formatQroarScalesJson(file), mimeType: 'application/json' };
}
