/**
 * `planScenario(settings, model)`: the ONE typed plan of a scenario that the dashboard's hooks and
 * the CLI's commands both run from — PI rope, bands, the trained window L (the loader's
 * `trainedWindow`, never re-derived), L′, the short context S = min(L, L′), the evaluated
 * contexts, the typed quant/KV/Q-ROAR builds (lib/scenario/builds), the curves to run, the
 * perplexity/diagnostics/search defaults, and `plan.key(job)`: the query key of every job, spelt
 * by lib/scenario/key's one key function (the engine sessions' keys come from the same function,
 * `engineSessionKey`). Pure; throws only for settings the rope cannot take (RopeConfigError).
 */
import type { PplCurve } from '../charts/types';
import type { WindowScoring } from '../eval/scoring';
import type { ModelSpec } from '../model/spec';
import { bandsFor } from '../rope/bands';
import { RopeConfigError } from '../rope/errors';
import type { Band, RopeConfig, RopeType } from '../rope/types';
import type { Settings } from '../settings/settings';
import { addedBosId } from '../tokenize/describeSource';
import type { TokenizerSource } from '../tokenize/types';
import { kvBuildOf, rtnBuildOf, type QroarBuild, type QuantBuild } from './builds';
import { evaluationContexts } from './contexts';
import { curveJobs, isFp, type CurveJob } from './curveJobs';
import { stableKey } from './key';
import { scenarioRope } from './pressure';
import { SEARCH_DEFAULTS, type SearchDefaults } from './searchPlan';
import { unsupportedQuantBuild } from './weightsBuild';

/**
 * Tokens scored per context and curve, and the most windows per context: one 1024-token window for
 * the default scenario keeps the first charts to seconds in WASM (the chart note states windows ×
 * tokens per context).
 */
export const PPL_DEFAULTS: Readonly<{ tokenBudget: number; maxWindows: number }> = Object.freeze({ tokenBudget: 1024, maxWindows: 4 });

/** Sampled (m, n) pairs for the logit error and the slider proxy, and the sampler seed. */
export const DIAGNOSTICS_DEFAULTS: Readonly<{ pairs: number; seed: number }> = Object.freeze({ pairs: 4096, seed: 1 });

/** What the plan reads off a loaded model (hooks ModelInfo and the CLI's ScenarioModel both fit). */
export interface PlanModel {
  /** Stable model key of caches and sessions (ModelInfo.id: 'builtin:…' / 'file:<identity>', '@L=…' when overridden). */
  id: string;
  /** lib/model identity hash of the files. */
  identity: string;
  /** The model's own RoPE (with the trained window in force). */
  rope: RopeConfig;
  /** The loader's trained window in force (lib/model/trainedWindow): the single source of L. */
  trainedWindow: { windowTokens: number };
  /** null when the architecture cannot run (a chart says why). */
  spec: Pick<ModelSpec, 'numLayers' | 'numHeads' | 'numKvHeads' | 'headDim' | 'vocabSize'> | null;
  /** How text becomes ids (the BOS rule of llama-perplexity scoring); absent = `bosId` decides. */
  tokenizer?: TokenizerSource;
  /**
   * The BOS id the tokenizer adds (lib/tokenize addedBosId), for a model that travels without its
   * tokenizer (a worker's JobModel: the JSON can be megabytes); read only when `tokenizer` is
   * absent. Neither given: no BOS is added.
   */
  bosId?: number | null;
}

/**
 * What a driver may pin instead of the settings' defaults (`bandscope eval`: --contexts, --windows,
 * --kv-calibration, --qroar FILE). Each one set is part of the curve jobs' keys; unset, the plan is
 * the dashboard's.
 */
export interface PlanOverrides {
  /**
   * Evaluated contexts (integers ≥ 2 tokens; sorted ascending, repeats dropped); default the L/4 …
   * L′ ladder (lib/scenario/contexts). L′ stays settings.targetContextTokens: set it to their maximum.
   */
  contexts?: readonly number[];
  /**
   * Windows of the longest context a curve scores: a count (integer ≥ 1; fewer when the text holds
   * fewer whole windows) or 'all' (every whole window of the text). Default: the token budget
   * (PPL_DEFAULTS: ⌊tokenBudget / C_max⌋, at least 1, at most maxWindows).
   */
  windows?: number | 'all';
  /**
   * How RTN weights run ('fake' dequantized float32, 'nbits' MatMulNBits); with full-precision
   * weights 'nbits' runs a GGUF's own Q4_0/Q8_0 linears as MatMulNBits (EngineBuild.quantFormat). Default: the engine's ('fake').
   */
  quantFormat?: 'fake' | 'nbits';
  /** Tokens S of the per-channel KV calibration (2 ≤ S ≤ L, checked when it runs); default L. */
  kvCalibrationTokens?: number;
  /**
   * Q-ROAR scales from a scales file (lib/export/scalesJson: its own bands, global or per-layer
   * scales), used instead of settings.appliedScales by the Q-ROAR variants.
   */
  qroar?: QroarBuild;
}

/** A job the plan keys: a perplexity curve, the diagnostics, each over the text named by `text`. */
export type ScenarioJob = { kind: 'curve'; method: RopeType; variant: PplCurve['variant']; text: string } | { kind: 'diagnostics'; text: string };

export interface ScenarioPlan {
  settings: Settings;
  model: PlanModel;
  /** L: the trained window in force (tokens). */
  trainedWindowTokens: number;
  /** L′: the longest evaluated context (tokens). */
  contextTokens: number;
  /** S = min(L, L′): the diagnostics' short run, the search's guard and the KV calibration context (tokens). */
  shortContextTokens: number;
  /** Evaluated contexts of the perplexity curves (ascending, tokens): the ladder, or PlanOverrides.contexts. */
  contexts: number[];
  /** Windows of the longest context per curve when pinned (PlanOverrides.windows); null = the token budget of `ppl`. */
  windows: number | 'all' | null;
  /** The weight format of every curve build when pinned (PlanOverrides.quantFormat); null = the engine's default. */
  quantFormat: 'fake' | 'nbits' | null;
  /** The per-channel KV calibration context S when pinned (PlanOverrides.kvCalibrationTokens); null = the trained window L. */
  kvCalibrationTokens: number | null;
  /** The model's RoPE with the main PI method laid over it. */
  rope: RopeConfig;
  /** The same for any method (the overlays). */
  ropeOf(method: RopeType): RopeConfig;
  /** Bands of the main method's PI rope; [] when the partition cannot be made (`bandsProblem`). */
  bands: Band[];
  /**
   * Why the band partition cannot be made (e.g. 4 bands of a 4-dim head's 2 pairs), or null. Only
   * the jobs that read bands (diagnostics, the search) fail on it; the perplexity curves do not.
   */
  bandsProblem: string | null;
  /** The quantized variant's builds; null when neither weights nor KV cache are quantized. */
  quant: QuantBuild | null;
  /** Why the quantized variant cannot run (e.g. a Hadamard cache on a non-power-of-two head), or null. */
  blocked: string | null;
  /** The applied Q-ROAR scales on the main method's bands; null when none are applied or they do not fit. */
  qroar: QroarBuild | null;
  /** Why applied scales cannot be used (their count is not the band count), or null. */
  qroarProblem: string | null;
  /** The perplexity curves of the scenario (main method first). */
  curves: CurveJob[];
  /** How perplexity windows are scored. */
  scoring: WindowScoring;
  ppl: typeof PPL_DEFAULTS;
  diagnostics: typeof DIAGNOSTICS_DEFAULTS;
  search: Readonly<SearchDefaults>;
  /** The query key of `job`: every input that changes its numbers, one stable string. */
  key(job: ScenarioJob): string;
}

function pinnedContexts(raw: readonly number[]): number[] {
  if (raw.length === 0 || raw.some((c) => !(Number.isInteger(c) && c >= 2)))
    throw new Error(`planScenario: contexts must be integers ≥ 2 tokens, got [${raw.join(', ')}]`);
  return [...new Set(raw)].sort((a, b) => a - b);
}

/** The plan's bands for a job that reads them; throws the partition's problem (a user-facing message) when there are none. */
export function requireBands(plan: ScenarioPlan): Band[] {
  if (plan.bandsProblem !== null) throw new RopeConfigError(plan.bandsProblem);
  return plan.bands;
}

export function planScenario(settings: Settings, model: PlanModel, overrides: PlanOverrides = {}): ScenarioPlan {
  const trainedWindowTokens = model.trainedWindow.windowTokens;
  const contextTokens = settings.targetContextTokens;
  const rope = scenarioRope(model.rope, settings);
  let bands: Band[] = [];
  let bandsProblem: string | null = null;
  try {
    bands = bandsFor(settings.bands, rope);
  } catch (err) {
    bandsProblem = err instanceof Error ? err.message : String(err);
  }
  const rtn = rtnBuildOf(settings.weightQuant);
  const kv = kvBuildOf(settings.kvQuant);
  const quant: QuantBuild | null = rtn === null && kv === null ? null : { quant: rtn, kv };
  const scales = settings.appliedScales;
  const qroarProblem =
    scales !== null && bandsProblem !== null
      ? bandsProblem
      : scales !== null && scales.length !== bands.length
        ? `the applied Q-ROAR scales have ${scales.length} values for ${bands.length} bands; apply scales for the current band partition`
        : null;
  const qroar: QroarBuild | null =
    overrides.qroar ?? (scales !== null && qroarProblem === null ? { variant: settings.qroarVariant, bands, scales: [...scales] } : null);
  const scoring: WindowScoring = { mode: settings.scoreMode, bosId: model.tokenizer ? addedBosId(model.tokenizer) : (model.bosId ?? null) };
  // Below 8 tokens (a CLI run may ask for L′ ≥ 2) there is no L/4 … L′ ladder: the one context L′.
  const contexts = overrides.contexts
    ? pinnedContexts(overrides.contexts)
    : trainedWindowTokens >= 8 && contextTokens >= 8
      ? evaluationContexts(trainedWindowTokens, contextTokens)
      : [contextTokens];
  const windows = overrides.windows ?? null;
  if (windows !== null && windows !== 'all' && !(Number.isInteger(windows) && windows >= 1))
    throw new Error(`planScenario: windows must be an integer ≥ 1 or 'all', got ${windows}`);
  const kvCalibrationTokens = overrides.kvCalibrationTokens ?? null;
  // What the pinned values add to a curve's key (undefined fields drop out: the dashboard's keys stay as they were).
  const pinned = {
    windows: windows ?? undefined,
    quantFormat: overrides.quantFormat,
    kvCalibrationTokens: kvCalibrationTokens ?? undefined,
    qroarFile: overrides.qroar
      ? { variant: overrides.qroar.variant, bands: overrides.qroar.bands.map((b) => [b.firstPair, b.lastPair]), scales: overrides.qroar.scales }
      : undefined,
  };
  const { factor, betaFast, betaSlow, lowFreqFactor, highFreqFactor } = settings.pi;
  const piParameters = { factor, betaFast, betaSlow, lowFreqFactor, highFreqFactor };
  const modelKey = { id: model.id, identity: model.identity };
  const plan: ScenarioPlan = {
    settings,
    model,
    trainedWindowTokens,
    contextTokens,
    shortContextTokens: Math.min(trainedWindowTokens, contextTokens),
    contexts,
    windows,
    quantFormat: overrides.quantFormat ?? null,
    kvCalibrationTokens,
    rope,
    ropeOf: (method) => (method === settings.pi.method ? rope : scenarioRope(model.rope, settings, method)),
    bands,
    bandsProblem,
    quant,
    blocked: unsupportedQuantBuild(settings.kvQuant, model.spec?.headDim),
    qroar,
    qroarProblem,
    curves: curveJobs(settings),
    scoring,
    ppl: PPL_DEFAULTS,
    diagnostics: DIAGNOSTICS_DEFAULTS,
    search: SEARCH_DEFAULTS,
    key(job) {
      switch (job.kind) {
        case 'curve': {
          const withQroar = job.variant === 'ptq+qroar' || job.variant === 'fp+qroar';
          return stableKey({
            job: 'ppl',
            model: modelKey,
            method: job.method,
            variant: job.variant,
            // The PI parameters without the main method: an overlay's curve does not change with it.
            pi: piParameters,
            quant: isFp(job) ? null : quant,
            qroar: withQroar ? { variant: settings.qroarVariant, scales, bands: settings.bands } : null,
            contexts,
            ppl: PPL_DEFAULTS,
            text: job.text,
            device: settings.device,
            scoring: scoring,
            ...pinned,
          });
        }
        case 'diagnostics':
          return stableKey({
            job: 'diagnostics',
            model: modelKey,
            pi: settings.pi,
            contextTokens,
            trainedWindowTokens,
            quant,
            bands: settings.bands,
            tirQuantile: settings.tirQuantile,
            qroar: scales === null ? null : { variant: settings.qroarVariant, scales },
            text: job.text,
            device: settings.device,
            diagnostics: DIAGNOSTICS_DEFAULTS,
          });
        default: {
          const unreachable: never = job;
          throw new Error(`unknown scenario job ${JSON.stringify(unreachable)}`);
        }
      }
    },
  };
  return plan;
}
