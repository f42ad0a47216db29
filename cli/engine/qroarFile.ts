/**
 * The `--qroar scales.json` file of `bandscope eval`:
 *   { "variant": "symmetric" | "shared" | "query-only",
 *     "bands": "equal-log:4" | "yarn" | "custom:0-7,8-31",     (lib/rope/bands grammar)
 *     "scales": [g_0, …, g_{B−1}]  or  [[layer 0 scales], [layer 1 scales], …] }
 * Bands are built over the RoPE the run uses (after PI), in the weights' own pairing layout.
 * Returned as an assembleDecoderWeights `preQuant` hook: scale W_Q/W_K rows, then quantize.
 */
import { readFile } from 'node:fs/promises';
import type { ModelSpec } from '../../lib/model/spec';
import type { AssembleOptions } from '../../lib/onnx/assembleWeights';
import { bandScalesForLayer, type BandScales } from '../../lib/qroar/scales';
import { qroarRowFactors, QROAR_VARIANTS, scaleRowsInPlace, type QroarVariant } from '../../lib/qroar/transform';
import { bandsFor, parseBandSpec } from '../../lib/rope/bands';
import type { RopeConfig } from '../../lib/rope/types';
import { UsageError } from '../errors';

export async function loadQroarPreQuant(path: string, spec: ModelSpec, rope: RopeConfig): Promise<{ preQuant: NonNullable<AssembleOptions['preQuant']>; summary: Record<string, unknown> }> {
  let json: { variant?: unknown; bands?: unknown; scales?: unknown };
  try {
    json = JSON.parse(await readFile(path, 'utf8')) as typeof json;
  } catch (err) {
    throw new UsageError(`--qroar '${path}': ${(err as { code?: string }).code === 'ENOENT' ? 'no such file' : 'not readable JSON'}`);
  }
  const variant = json.variant as QroarVariant;
  if (!QROAR_VARIANTS.includes(variant)) throw new UsageError(`--qroar '${path}': variant must be one of ${QROAR_VARIANTS.join(', ')}, got ${JSON.stringify(json.variant)}`);
  if (typeof json.bands !== 'string') throw new UsageError(`--qroar '${path}': "bands" must be a band spec string such as "equal-log:4"`);
  const bands = bandsFor(parseBandSpec(json.bands), rope);
  if (!Array.isArray(json.scales)) throw new UsageError(`--qroar '${path}': "scales" must be an array of ${bands.length} numbers or one such array per layer`);
  const scales = json.scales as BandScales;
  const factorsByLayer: Array<{ q: Float64Array; k: Float64Array }> = [];
  for (let l = 0; l < spec.numLayers; l++) {
    let bandScales: Float64Array;
    try {
      bandScales = bandScalesForLayer(scales, l, bands.length);
    } catch (err) {
      throw new UsageError(`--qroar '${path}': ${err instanceof Error ? err.message : String(err)}`);
    }
    factorsByLayer.push(
      qroarRowFactors({ variant, bandScales, bands, layout: spec.pairLayout, numHeads: spec.numHeads, numKvHeads: spec.numKvHeads, headDim: spec.headDim, rotaryDim: rope.rotaryDim }),
    );
  }
  return {
    summary: { variant, bands: json.bands, scales: json.scales },
    preQuant: (layer, key, weight, bias) => {
      if (key !== 'q' && key !== 'k') return { weight, bias };
      const factors = factorsByLayer[layer][key];
      const rows = factors.length;
      const w = weight.slice();
      scaleRowsInPlace(w, rows, w.length / rows, factors);
      const b = bias?.slice();
      if (b) scaleRowsInPlace(b, rows, 1, factors);
      return { weight: w, bias: b };
    },
  };
}
