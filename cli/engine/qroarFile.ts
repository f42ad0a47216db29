/**
 * Reads the `--qroar` file of `bandscope eval`: the versioned Q-ROAR scales JSON of
 * lib/export/scalesJson.ts (written by `bandscope search --out`). Its bands are a band-spec string of
 * pair ranges; the row factors are built in the pairing layout of the weights being loaded (spec.pairLayout).
 * Returned as assembleDecoderWeights hooks (qroarAssembleHooks): scale W_Q/W_K rows, then quantize —
 * or, on a model with per-head q/k norms, scale the norm weights.
 */
import { readFile } from 'node:fs/promises';
import { parseQroarScalesJson } from '../../lib/export/scalesJson';
import type { ModelSpec } from '../../lib/model/spec';
import type { AssembleOptions } from '../../lib/onnx/assembleWeights';
import { bandScalesForLayer } from '../../lib/qroar/scales';
import { qroarRowFactors } from '../../lib/qroar/transform';
import { qroarAssembleHooks } from '../../lib/scenario/weights';
import { bandsFor, parseBandSpec } from '../../lib/rope/bands';
import type { RopeConfig } from '../../lib/rope/types';
import { UsageError } from '../errors';

export async function loadQroarPreQuant(
  path: string,
  spec: ModelSpec,
  rope: RopeConfig,
): Promise<{ hooks: Pick<AssembleOptions, 'preQuant' | 'qkNormTransform'>; summary: Record<string, unknown> }> {
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
  const factorsByLayer: Array<{ q: Float64Array; k: Float64Array }> = [];
  for (let l = 0; l < spec.numLayers; l++) {
    let bandScales: Float64Array;
    try {
      bandScales = bandScalesForLayer(scales, l, bands.length);
    } catch (err) {
      throw new UsageError(`--qroar '${path}': ${err instanceof Error ? err.message : String(err)}`);
    }
    factorsByLayer.push(
      qroarRowFactors({
        variant,
        bandScales,
        bands,
        layout: spec.pairLayout,
        numHeads: spec.numHeads,
        numKvHeads: spec.numKvHeads,
        headDim: spec.headDim,
        rotaryDim: rope.rotaryDim,
      }),
    );
  }
  return {
    summary: { variant, bands: file.bands, bandSource: file.bandSource, scales, model: file.model.name },
    hooks: qroarAssembleHooks(spec, (layer) => factorsByLayer[layer]),
  };
}
