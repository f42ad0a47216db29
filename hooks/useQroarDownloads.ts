'use client';
/**
 * Downloads of a search result: patched full-precision q_proj/k_proj of every layer (safetensors,
 * the model's own row order, as `bandscope search --out` writes) and the versioned scales JSON.
 * Reads the served model folder (config + weights) with lib/model; scaling a few projection
 * matrices is milliseconds for the built-in model.
 */
import { downloadBlob } from '@/components/download';
import { writeSafetensorsF32 } from '@/lib/export/safetensorsWriter';
import { formatQroarScalesJson } from '@/lib/export/scalesJson';
import { byteSourceFromBlob } from '@/lib/model/byteSource';
import { openModel } from '@/lib/model/open';
import type { ReportSearchRun } from '@/lib/report/searchRecord';
import { patchedQkTensors, scalesFileOf, scalesOutcomeSettings } from '@/lib/run/searchExport';
import { bandsFromPairRanges } from '@/lib/run/weights';
import type { ModelInfo } from './useModelInfo';

async function fetchBlob(url: string): Promise<Blob> {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status}`);
  return res.blob();
}

function qroarOf(run: ReportSearchRun, scales: number[]) {
  return { variant: run.variant, bands: bandsFromPairRanges(run.bands.map((b) => [b.firstPair, b.lastPair] as [number, number])), scales };
}

export async function downloadPatchedQk(model: ModelInfo, run: ReportSearchRun, scales: number[]): Promise<void> {
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
  downloadBlob('qroar-patched.safetensors', new Blob([bytes as BlobPart]), 'application/octet-stream');
}

export function downloadScalesJson(model: ModelInfo, run: ReportSearchRun, scales: number[], bandSource: string, settingsQuery: string): void {
  if (!model.spec) throw new Error('the model spec is not known; cannot write the scales file');
  const file = scalesFileOf({
    spec: model.spec,
    qroar: qroarOf(run, scales),
    bandSource,
    modelName: model.label,
    modelIdentity: model.identity,
    settings: { settingsQuery, context: run.contextTokens, shortContext: run.shortContextTokens, grid: run.grid, guard: run.guardTolerance, windows: run.windows, objective: 'mean dev NLL at context (nats/token)', ...scalesOutcomeSettings(run) },
  });
  downloadBlob('qroar-scales.json', formatQroarScalesJson(file), 'application/json');
}
