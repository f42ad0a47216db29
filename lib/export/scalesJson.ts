import type { QroarVariant } from '../qroar/transform';
import { QROAR_VARIANTS } from '../qroar/transform';
import { parseBandSpec } from '../rope/bands';
import type { PairLayout } from '../rope/types';
import { ExportFormatError } from './errors';

/**
 * The Q-ROAR scales file (SPEC §7 "patched weights … plus the scales as JSON"), written by
 * `bandscope search --out` next to qroar-patched.safetensors and read by `bandscope eval --qroar`.
 * Versioned: `format` names it, `version` is bumped on any incompatible change; readers refuse
 * versions they do not know rather than guess.
 *
 * `bands` is the exact partition as a lib/rope band-spec string 'custom:a-b,c-d,…' (whole-pair
 * ranges over 0 … rotaryDim/2 − 1, contiguous from pair 0), so the pairs are pinned whatever PI a
 * reader runs, and cli/engine/qroarFile.ts (`bandscope eval --qroar`, which reads variant, bands,
 * scales) accepts the file as is. `bandSource` is the partition the user asked for (e.g.
 * 'equal-log:4'), kept for display. `pairLayout` records the row order of the weights the scales
 * were applied to (the model's own); scales themselves are per pair index, layout-free.
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
  /** 'custom:a-b,c-d,…': contiguous, ascending, covering pairs 0 … rotaryDim/2 − 1 exactly once. */
  bands: string;
  /** The partition as the user gave it ('equal-log:4', 'yarn', …), for display. */
  bandSource: string;
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
  if (typeof rotaryDim !== 'number' || !Number.isSafeInteger(rotaryDim) || rotaryDim < 2 || rotaryDim % 2 !== 0)
    fail(`rotaryDim must be an even integer ≥ 2, got ${JSON.stringify(rotaryDim)}`);
  if (v.pairLayout !== 'half-split' && v.pairLayout !== 'interleaved')
    fail(`pairLayout must be 'half-split' or 'interleaved', got ${JSON.stringify(v.pairLayout)}`);
  const pairCount = (rotaryDim as number) / 2;
  if (typeof v.bands !== 'string' || !v.bands.startsWith('custom:')) fail(`bands must be a 'custom:a-b,c-d,…' string, got ${JSON.stringify(v.bands)}`);
  let ranges: Array<[number, number]> = [];
  try {
    const parsed = parseBandSpec(v.bands as string);
    if (parsed.kind === 'custom') ranges = parsed.ranges;
  } catch (err) {
    fail(`bands: ${err instanceof Error ? err.message : String(err)}`);
  }
  let nextPair = 0;
  ranges.forEach(([first, last], k) => {
    if (first !== nextPair) fail(`band ${k} must start at pair ${nextPair} (bands are contiguous from 0), got ${first}`);
    if (last >= pairCount) fail(`band ${k} ends at pair ${last}, past the last pair ${pairCount - 1} of rotaryDim ${rotaryDim}`);
    nextPair = last + 1;
  });
  if (nextPair !== pairCount) fail(`bands end at pair ${nextPair - 1} but rotaryDim ${rotaryDim} has pairs 0…${pairCount - 1}`);
  if (typeof v.bandSource !== 'string') fail('bandSource must be a string');
  const bandCount = ranges.length;
  if (!Array.isArray(v.scales) || v.scales.length === 0) fail('scales must be a non-empty array');
  const scales = v.scales as unknown[];
  const checkRow = (row: unknown, where: string) => {
    if (!Array.isArray(row) || row.length !== bandCount)
      fail(`${where} must hold ${bandCount} numbers (one per band), got ${Array.isArray(row) ? row.length : typeof row}`);
    (row as unknown[]).forEach((g, i) => {
      if (!isPositiveScale(g)) fail(`${where}[${i}] must be a finite number > 0, got ${JSON.stringify(g)}`);
    });
  };
  if (Array.isArray(scales[0])) scales.forEach((row, l) => checkRow(row, `scales[${l}]`));
  else checkRow(scales, 'scales');
  if (!isObject(v.model) || typeof (v.model as Record<string, unknown>).name !== 'string') fail('model must be an object with a string name');
  const hashes = (v.model as Record<string, unknown>).hashes;
  if (!isObject(hashes) || Object.values(hashes).some((h) => typeof h !== 'string' || !/^[0-9a-f]{64}$/.test(h)))
    fail('model.hashes must map names to 64-digit lower-case hex SHA-256 strings');
  if (!isObject(v.settings)) fail('settings must be an object');
}

/** Whether a parsed file holds per-layer scales ([layers][bands]) rather than global ones. */
export function hasPerLayerScales(file: QroarScalesFile): file is QroarScalesFile & { scales: number[][] } {
  return Array.isArray(file.scales[0]);
}

/** 'custom:a-b,c-d,…' of whole-pair ranges (inclusive), the `bands` field of a scales file. */
export function customBandSpec(ranges: ReadonlyArray<{ firstPair: number; lastPair: number }>): string {
  return `custom:${ranges.map((r) => `${r.firstPair}-${r.lastPair}`).join(',')}`;
}
