/**
 * `bandscope rope --config <config.json> [--method M --factor S] [--seq-len N] [--target-len N]
 *  [--bands equal-log:4|yarn|custom:0-7,8-15,…] [--trained-window N] [--json]`
 *
 * The RoPE of a Hugging Face config.json (optionally with a PI choice laid over it) and, per band,
 * the analytic interpolation pressure and phase displacement (SPEC §4, lib/rope/pressure.ts).
 * --target-len: L' of the pressure (default s·L0).
 * --seq-len: evaluated length for `dynamic`/`longrope` frequencies (default L', so the printed θ'
 *   are the ones the pressure was computed from).
 * --trained-window N: the window the model was trained on, when config.json does not say it truly.
 * --json prints one object: {rotaryDim, base, method, invFreq, attentionFactor, bands:[{pairs, ip, displacementTurns, label}]}.
 */
import { readFile } from 'node:fs/promises';
import { applyInterpolation } from '../../lib/rope/interpolation';
import { bandsFor, parseBandSpec } from '../../lib/rope/bands';
import { ropeFrequencies } from '../../lib/rope/frequencies';
import { ropeConfigFromHfConfig } from '../../lib/rope/parseHf';
import { analyticPressure, bandMeans } from '../../lib/rope/pressure';
import type { RopeConfig, RopeType } from '../../lib/rope/types';
import { booleanFlag, parseFlags, positiveIntFlag, positiveNumberFlag, stringFlag, TRAINED_WINDOW_FLAG, trainedWindowFlag } from '../args';
import { UsageError } from '../errors';

const COMMAND = 'rope';
const METHODS: ReadonlyArray<RopeType | 'none'> = ['none', 'default', 'linear', 'ntk', 'dynamic', 'yarn', 'llama3', 'longrope'];
const DEFAULT_BANDS = 'equal-log:4';

export interface RopeBandReport {
  /** [firstPair, lastPair], inclusive. */
  pairs: [number, number];
  /** Mean analytic IP over the band's pairs (turns per unit ln s). */
  ip: number;
  /** Mean phase displacement at L' (turns). */
  displacementTurns: number;
  label: string;
}

export interface RopeReport {
  rotaryDim: number;
  base: number;
  method: RopeType;
  /** θ'_i, rad/token, rotaryDim/2 entries. */
  invFreq: number[];
  attentionFactor: number;
  bands: RopeBandReport[];
}

/** Reads and parses a JSON file, turning every failure into a UsageError naming the path. */
export async function readJsonObject(path: string): Promise<Record<string, unknown>> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as { code?: string }).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a directory' : (code ?? 'unreadable');
    throw new UsageError(`cannot read config '${path}': ${why}`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new UsageError(`config '${path}' is not valid JSON: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new UsageError(`config '${path}' must hold a JSON object`);
  }
  return value as Record<string, unknown>;
}

/** The report for a model RoPE (already PI-applied), pure apart from nothing: used by run() and tests. */
export function ropeReport(rope: RopeConfig, opts: { seqLenTokens?: number; targetLenTokens?: number; bands: string }): RopeReport {
  const bands = bandsFor(parseBandSpec(opts.bands), rope);
  const pressure = analyticPressure(rope, opts.targetLenTokens);
  const { invFreqRadPerToken, attentionFactor } = ropeFrequencies(rope, { sequenceLengthTokens: opts.seqLenTokens ?? pressure.targetLengthTokens });
  const ip = bandMeans(pressure.ipTurns, bands);
  const disp = bandMeans(pressure.displacementTurns, bands);
  return {
    rotaryDim: rope.rotaryDim,
    base: rope.thetaBase,
    method: rope.type,
    invFreq: Array.from(invFreqRadPerToken),
    attentionFactor,
    bands: bands.map((b, k) => ({ pairs: [b.firstPair, b.lastPair], ip: ip[k], displacementTurns: disp[k], label: b.label })),
  };
}

function formatText(r: RopeReport): string {
  const lines = [
    `method ${r.method}  rotary dim ${r.rotaryDim}  base ${r.base}  attention factor ${r.attentionFactor.toPrecision(6)}`,
    'band  pairs     IP (turns/ln s)  displacement (turns)',
  ];
  r.bands.forEach((b, k) => {
    const pairs = `${b.pairs[0]}-${b.pairs[1]}`.padEnd(9);
    lines.push(`${String(k).padEnd(5)} ${pairs} ${b.ip.toPrecision(6).padStart(15)}  ${b.displacementTurns.toPrecision(6).padStart(20)}`);
  });
  return lines.join('\n');
}

export async function run(argv: string[]): Promise<void> {
  const flags = parseFlags(COMMAND, argv, {
    config: { type: 'string' },
    method: { type: 'string' },
    factor: { type: 'string' },
    'seq-len': { type: 'string' },
    'target-len': { type: 'string' },
    bands: { type: 'string' },
    json: { type: 'boolean' },
    ...TRAINED_WINDOW_FLAG,
  });
  const configPath = stringFlag(COMMAND, flags, 'config', true) as string;
  const seqLenTokens = positiveIntFlag(COMMAND, flags, 'seq-len');
  const targetLenTokens = positiveIntFlag(COMMAND, flags, 'target-len');
  const bands = stringFlag(COMMAND, flags, 'bands') ?? DEFAULT_BANDS;
  const method = stringFlag(COMMAND, flags, 'method');
  const factor = positiveNumberFlag(COMMAND, flags, 'factor');
  if (method !== undefined && !METHODS.includes(method as RopeType | 'none')) {
    throw new UsageError(`${COMMAND}: --method must be one of ${METHODS.join(', ')}, got '${method}'`);
  }
  if (factor !== undefined && method === undefined) throw new UsageError(`${COMMAND}: --factor needs --method`);
  if (method !== undefined && method !== 'none' && method !== 'default' && factor === undefined) {
    throw new UsageError(`${COMMAND}: --method ${method} needs --factor`);
  }

  const trainedWindowTokens = trainedWindowFlag(COMMAND, flags);
  let rope = ropeConfigFromHfConfig(await readJsonObject(configPath));
  if (trainedWindowTokens !== undefined) rope = { ...rope, originalMaxPositionEmbeddings: trainedWindowTokens };
  if (method !== undefined) rope = applyInterpolation(rope, { method: method as RopeType | 'none', factor: factor ?? 1 });
  const report = ropeReport(rope, { seqLenTokens, targetLenTokens, bands });
  process.stdout.write(`${booleanFlag(flags, 'json') ? JSON.stringify(report) : formatText(report)}\n`);
}
