import type { QroarVariant } from '../qroar/transform';
import { QROAR_VARIANTS } from '../qroar/transform';
import type { Band, PairLayout } from '../rope/types';
import { ExportFormatError } from './errors';

/**
 * The Q-ROAR scales file (SPEC §7 "patched weights … plus the scales as JSON"), written by
 * `bandscope search --out` next to qroar-patched.safetensors and read by `bandscope eval --qroar`.
 * Versioned: `format` names it, `version` is bumped on any incompatible change; readers refuse
 * versions they do not know rather than guess.
 *
 * Bands are whole-pair ranges over 0 … rotaryDim/2 − 1, in pair index (a property of the math,
 * not of the row layout); `pairLayout` records the row order of the weights the scales were
 * applied to (the model's own), so a reader can rebuild the same row factors.
 */
export const QROAR_SCALES_FORMAT = 'bandscope-qroar-scales';
export const QROAR_SCALES_VERSION = 1;

export interface QroarScalesFile {
  format: typeof QROAR_SCALES_FORMAT;
  version: typeof QROAR_SCALES_VERSION;
  variant: QroarVariant;
  /** Rotary dims d_r of the model the scales were searched on. */
  rotaryDim: number;
  pairLayout: PairLayout;
  /** Contiguous, ascending, covering every pair exactly once; bandIndex = position. */
  bands: Band[];
  /** Global [bands] or per-layer [layers][bands]; every value finite and > 0. */
  scales: number[] | number[][];
  /** Who the scales belong to: a display name and content hashes (what was hashed → hex). */
  model: { name: string; hashes: Record<string, string> };
  /** Free-form settings of the run that produced the scales (rope, quant, contexts, grid …). */
  settings: Record<string, unknown>;
}

/** Serialises a scales file as pretty JSON after validating it (so we never write a file we would refuse). */
export function formatQroarScalesJson(file: QroarScalesFile): string {
  validate(file as unknown, 'qroar scales');
  return `${JSON.stringify(file, null, 2)}\n`;
}

/**
 * Parses and validates a scales file. `name` (a path) goes into every error message.
 * Throws ExportFormatError naming the first problem found.
 */
export function parseQroarScalesJson(text: string, name: string): QroarScalesFile {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new ExportFormatError(`${name}: not valid JSON (${err instanceof Error ? err.message.split('\n')[0] : String(err)})`);
  }
  validate(value, name);
  return value as QroarScalesFile;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isPositiveScale(v: unknown): v is number {
  return typeof v === 'number' && Number.isFinite(v) && v > 0;
}

function validate(value: unknown, name: string): void {
  const fail = (msg: string): never => {
    throw new ExportFormatError(`${name}: ${msg}`);
  };
  if (!isObject(value)) fail('must hold a JSON object');
  const v = value as Record<string, unknown>;
  if (v.format !== QROAR_SCALES_FORMAT) fail(`format must be '${QROAR_SCALES_FORMAT}', got ${JSON.stringify(v.format)}`);
  if (v.version !== QROAR_SCALES_VERSION) fail(`version ${JSON.stringify(v.version)} is not supported (this reader knows version ${QROAR_SCALES_VERSION})`);
  if (!QROAR_VARIANTS.includes(v.variant as QroarVariant)) fail(`variant must be one of ${QROAR_VARIANTS.join(', ')}, got ${JSON.stringify(v.variant)}`);
  const rotaryDim = v.rotaryDim;
  if (typeof rotaryDim !== 'number' || !Number.isSafeInteger(rotaryDim) || rotaryDim < 2 || rotaryDim % 2 !== 0) fail(`rotaryDim must be an even integer ≥ 2, got ${JSON.stringify(rotaryDim)}`);
  if (v.pairLayout !== 'half-split' && v.pairLayout !== 'interleaved') fail(`pairLayout must be 'half-split' or 'interleaved', got ${JSON.stringify(v.pairLayout)}`);
  const pairCount = (rotaryDim as number) / 2;
  if (!Array.isArray(v.bands) || v.bands.length === 0) fail('bands must be a non-empty array');
  const bands = v.bands as unknown[];
  let nextPair = 0;
  bands.forEach((b, k) => {
    if (!isObject(b)) fail(`bands[${k}] must be an object`);
    const band = b as Record<string, unknown>;
    if (band.bandIndex !== k) fail(`bands[${k}].bandIndex must be ${k}, got ${JSON.stringify(band.bandIndex)}`);
    if (band.firstPair !== nextPair) fail(`bands[${k}] must start at pair ${nextPair} (bands are contiguous from 0), got ${JSON.stringify(band.firstPair)}`);
    const last = band.lastPair;
    if (typeof last !== 'number' || !Number.isSafeInteger(last) || last < nextPair || last >= pairCount) {
      fail(`bands[${k}].lastPair must be an integer in ${nextPair}…${pairCount - 1}, got ${JSON.stringify(last)}`);
    }
    if (typeof band.label !== 'string') fail(`bands[${k}].label must be a string`);
    nextPair = (last as number) + 1;
  });
  if (nextPair !== pairCount) fail(`bands end at pair ${nextPair - 1} but rotaryDim ${rotaryDim} has pairs 0…${pairCount - 1}`);
  if (!Array.isArray(v.scales) || v.scales.length === 0) fail('scales must be a non-empty array');
  const scales = v.scales as unknown[];
  const checkRow = (row: unknown, where: string) => {
    if (!Array.isArray(row) || row.length !== bands.length) fail(`${where} must hold ${bands.length} numbers (one per band), got ${Array.isArray(row) ? row.length : typeof row}`);
    (row as unknown[]).forEach((g, i) => {
      if (!isPositiveScale(g)) fail(`${where}[${i}] must be a finite number > 0, got ${JSON.stringify(g)}`);
    });
  };
  if (Array.isArray(scales[0])) scales.forEach((row, l) => checkRow(row, `scales[${l}]`));
  else checkRow(scales, 'scales');
  if (!isObject(v.model) || typeof (v.model as Record<string, unknown>).name !== 'string') fail('model must be an object with a string name');
  const hashes = (v.model as Record<string, unknown>).hashes;
  if (!isObject(hashes) || Object.values(hashes).some((h) => typeof h !== 'string' || !/^[0-9a-f]{64}$/.test(h))) fail('model.hashes must map names to 64-digit lower-case hex SHA-256 strings');
  if (!isObject(v.settings)) fail('settings must be an object');
}

/** Whether a parsed file holds per-layer scales ([layers][bands]) rather than global ones. */
export function hasPerLayerScales(file: QroarScalesFile): file is QroarScalesFile & { scales: number[][] } {
  return Array.isArray(file.scales[0]);
}
