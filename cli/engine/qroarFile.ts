/**
 * Reads the `--qroar` file of `bandscope eval`: the versioned Q-ROAR scales JSON of
 * lib/export/scalesJson.ts (written by `bandscope search --out`). Its bands are a band-spec string of
 * pair ranges; its scales are global [bands] or per layer [layers][bands]. Returned as the plan's
 * Q-ROAR build (lib/scenario/plan PlanOverrides.qroar): lib/scenario/weights then builds the row
 * factors in the pairing layout of the weights being loaded (spec.pairLayout) and scales W_Q/W_K
 * rows before quantizing — or, on a model with per-head q/k norms, the norm weights.
 */
import { readFile } from 'node:fs/promises';
import { parseQroarScalesJson } from '../../lib/export/scalesJson';
import type { ModelSpec } from '../../lib/model/spec';
import { bandScalesForLayer } from '../../lib/qroar/scales';
import type { QroarBuild } from '../../lib/scenario/builds';
import { bandsFor, parseBandSpec } from '../../lib/rope/bands';
import type { RopeConfig } from '../../lib/rope/types';
import { UsageError } from '../errors';

export async function loadQroarFile(path: string, spec: ModelSpec, rope: RopeConfig): Promise<{ build: QroarBuild; summary: Record<string, unknown> }> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new UsageError(`--qroar '${path}': ${(err as { code?: string }).code === 'ENOENT' ? 'no such file' : 'unreadable'}`);
  }
  const file = parseQroarScalesJson(text, path);
  if (file.rotaryDim !== rope.rotaryDim) {
    throw new UsageError(`--qroar '${path}': scales are for rotaryDim ${file.rotaryDim}, this model has ${rope.rotaryDim}`);
  }
  const { variant, scales } = file;
  const bands = bandsFor(parseBandSpec(file.bands), rope);
  // Every layer's scales checked here, so a short per-layer list is one line naming the file, before any run.
  for (let l = 0; l < spec.numLayers; l++) {
    try {
      bandScalesForLayer(scales, l, bands.length);
    } catch (err) {
      throw new UsageError(`--qroar '${path}': ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  const perLayer = Array.isArray(scales[0]);
  if (perLayer && scales.length !== spec.numLayers)
    throw new UsageError(`--qroar '${path}': per-layer scales for ${scales.length} layers, this model has ${spec.numLayers}`);
  return {
    summary: { variant, bands: file.bands, bandSource: file.bandSource, scales, model: file.model.name },
    build: { variant, bands, scales: perLayer ? (scales as number[][]).map((row) => [...row]) : [...(scales as number[])] },
  };
}
