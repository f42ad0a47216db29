/**
 * `--report out.json` of `eval`, `diagnose` and `search`: the dashboard's own run report
 * (lib/report/report buildReport/serializeReport, the file "Save report" writes), so a run made on a
 * server opens in the dashboard and draws its charts without recomputing. The CLI's flags become
 * dashboard Settings (lib/settings) and travel through the same codec as the URL; a flag the
 * dashboard cannot represent is refused with what it is, before any run.
 */
import { readdir, stat, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { KvQuantSpec } from '../../lib/quant/kvSpec';
import type { RtnOptions } from '../../lib/quant/rtn';
import { buildReport, serializeReport, type ReportParts } from '../../lib/report/report';
import { parseBandSpec } from '../../lib/rope/bands';
import type { RopeType } from '../../lib/rope/types';
import { decodeSettings, encodeSettings } from '../../lib/settings/codec';
import { defaultSettings, GROUP_SIZES, type GroupSize, type QroarVariant, type Settings } from '../../lib/settings/settings';
import type { ScoreMode } from '../../lib/eval/scoring';
import { UsageError } from '../errors';
import { BUILTIN_MODEL_DIR, BUILTIN_MODEL_NAME, type ScenarioModel } from './model';

/** What the CLI ran, in its own terms. */
export interface CliScenario {
  /** --model as given ('builtin', a folder or a .gguf path). */
  modelArg: string;
  rope: { method: RopeType | 'none'; factor: number };
  /** L′: the longest context evaluated (tokens). */
  contextTokens: number;
  rtn?: RtnOptions;
  kvQuant?: KvQuantSpec;
  /** lib/rope band spec string, e.g. 'equal-log:4'. */
  bands?: string;
  /** The evaluated text files: the bundled brown text reads as the dashboard's 'brown'. */
  textPaths: string[];
  variant?: QroarVariant;
  appliedScales?: number[] | null;
  tirQuantile?: number;
  trainedWindowTokens?: number;
  scoreMode?: ScoreMode;
}

/**
 * The dashboard Settings of what the CLI was asked to run: the flags → settings edge of every
 * command (then lib/scenario planScenario → job → print). No check that the dashboard offers each
 * value; `cliReportSettings` adds that for `--report`.
 */
export function cliSettings(c: CliScenario): Settings {
  const d = defaultSettings();
  const modelChoice: Settings['model'] =
    c.modelArg === 'builtin'
      ? { kind: 'builtin' }
      : c.modelArg.toLowerCase().endsWith('.gguf')
        ? { kind: 'gguf', name: basename(c.modelArg) }
        : { kind: 'hf-folder', name: basename(c.modelArg.replace(/\/+$/, '')) };
  return {
    ...d,
    model: modelChoice,
    pi: { ...d.pi, method: c.rope.method === 'none' ? 'default' : c.rope.method, factor: c.rope.method === 'none' ? 1 : c.rope.factor },
    targetContextTokens: c.contextTokens,
    // The CLI's grammar (lib/quant/rtnSpec) offers exactly the dashboard's group sizes.
    weightQuant: c.rtn ? { bits: c.rtn.bits, group: c.rtn.groupSize as GroupSize, symmetric: c.rtn.symmetric, layers: 'all' } : null,
    kvQuant: c.kvQuant
      ? {
          bits: c.kvQuant.bits,
          keys: c.kvQuant.target !== 'v',
          values: c.kvQuant.target !== 'k',
          grouping: c.kvQuant.granularity,
          keyStage: c.kvQuant.keyRope,
          hadamard: c.kvQuant.hadamard === true,
        }
      : null,
    bands: c.bands ? parseBandSpec(c.bands) : d.bands,
    text: c.textPaths.every((p) => /^brown-(test|dev)\.txt$/.test(basename(p))) ? 'brown' : 'user',
    compareMethods: [],
    qroarVariant: c.variant ?? d.qroarVariant,
    appliedScales: c.appliedScales ?? null,
    tirQuantile: c.tirQuantile ?? d.tirQuantile,
    trainedWindowTokens: c.trainedWindowTokens ?? null,
    scoreMode: c.scoreMode ?? d.scoreMode,
  };
}

/**
 * The dashboard Settings of a CLI run. Throws a UsageError (for `--report`) when a flag has no
 * dashboard spelling, e.g. an RTN group size the dashboard does not offer: the report's
 * settingsQuery must decode to exactly these settings.
 */
export function cliReportSettings(command: string, c: CliScenario): Settings {
  const fail = (what: string): never => {
    throw new UsageError(`${command}: --report: the dashboard cannot represent ${what}; run without --report or choose a setting the dashboard offers`);
  };
  if (c.rtn && !GROUP_SIZES.some((g) => g === c.rtn!.groupSize)) fail(`--quant group size ${c.rtn.groupSize} (it offers ${GROUP_SIZES.join(', ')})`);
  const settings = cliSettings(c);
  const back = decodeSettings(encodeSettings(settings));
  if (back.problems.length > 0) fail(back.problems.join('; '));
  // The codec's spelling is canonical: a setting it cannot hold comes back different.
  if (encodeSettings(back.settings) !== encodeSettings(settings)) fail(`these settings exactly (${encodeSettings(settings)})`);
  return back.settings;
}

/** Bytes of the weight files (safetensors shards or the .gguf) of --model. */
async function weightsSizeBytes(modelArg: string): Promise<number | null> {
  const path = modelArg === 'builtin' ? BUILTIN_MODEL_DIR : modelArg;
  try {
    const s = await stat(path);
    if (s.isFile()) return s.size;
    const names = (await readdir(path)).filter((n) => n.endsWith('.safetensors'));
    let total = 0;
    for (const n of names) total += (await stat(join(path, n))).size;
    return total;
  } catch {
    return null;
  }
}

/** The report's model section: the same id and identity hash (lib/model, bandscope-model-v1) the dashboard records. */
export async function cliReportModel(modelArg: string, model: Pick<ScenarioModel, 'name' | 'identity' | 'trainedWindow'>): Promise<ReportParts['model']> {
  const windowKey = model.trainedWindow.source === 'override' ? `@L=${model.trainedWindow.windowTokens}` : '';
  return {
    id: modelArg === 'builtin' ? `${BUILTIN_MODEL_NAME}${windowKey}` : `file:${model.identity}${windowKey}`,
    label: model.name,
    identity: model.identity,
    weightsSizeBytes: await weightsSizeBytes(modelArg),
    trainedWindow: model.trainedWindow,
  };
}

/** Writes the run report to `path`; an unwritable path is a UsageError naming it. */
export async function writeCliReport(command: string, path: string, parts: Omit<ReportParts, 'createdAt'>): Promise<void> {
  const text = serializeReport(buildReport({ ...parts, createdAt: new Date() }));
  try {
    await writeFile(path, text);
  } catch (err) {
    throw new UsageError(`${command}: cannot write --report '${path}': ${(err as { code?: string }).code ?? String(err)}`);
  }
  process.stderr.write(`${command}: wrote the run report ${path} (open it in the dashboard with "Open report")\n`);
}

/**
 * `bandscope eval`'s results as the report's perplexity section: one curve (this PI method, this
 * weight variant) over the evaluated contexts, ascending, with the tokens scored at the longest.
 */
export function evalPerplexity(
  method: RopeType | 'none',
  variant: 'fp' | 'ptq' | 'ptq+qroar' | 'fp+qroar',
  results: ReadonlyArray<{ context: number; ppl: number; tokens: number }>,
  trainedWindowTokens: number,
): NonNullable<ReportParts['perplexity']> {
  const sorted = [...results].sort((a, b) => a.context - b.context);
  return {
    curves: [{ method: method === 'none' ? 'default' : method, variant, contextTokens: sorted.map((r) => r.context), perplexity: sorted.map((r) => r.ppl) }],
    trainedWindowTokens,
    tokenBudget: Math.max(...sorted.map((r) => r.tokens)),
  };
}

/** The dashboard's applied-scales settings of an eval --qroar file (global per-band scales only). */
export function evalQroarScenario(command: string, summary: Record<string, unknown> | undefined): Pick<CliScenario, 'variant' | 'appliedScales' | 'bands'> {
  if (!summary) return {};
  const scales = summary.scales;
  if (!Array.isArray(scales) || !scales.every((g) => typeof g === 'number')) {
    throw new UsageError(`${command}: --report: the dashboard applies one scale per band to every layer; this --qroar file holds per-layer scales`);
  }
  return { variant: summary.variant as QroarVariant, appliedScales: scales as number[], bands: String(summary.bandSource ?? summary.bands) };
}
