/**
 * The diagnostics job: the tapped runs of the plan (lib/scenario/diagnosticsRuns: FP at L′ and S,
 * the quantized model at L′, with the applied Q-ROAR scales, and the noise floor) over an engine
 * port, turned into the analysis input (lib/scenario/diagnosticsCompute DiagnosticsInput). The
 * analysis itself (TIR, logit error, KL, activation IP) runs wherever the driver puts it: the
 * dashboard's analysis worker, or computeDiagnostics in-process. The runs read the held-out text
 * (the perplexity curves' text: the curve at L′ is then the diagnostics' own run, and the engine
 * worker's run memo answers it); the slider proxy's job (runProxySetup) reads the dev text, since
 * the sliders tune.
 */
import type { NllEngine } from '../eval/engine';
import { ropeFrequencies } from '../rope/frequencies';
import type { RopeConfig } from '../rope/types';
import {
  assembleDiagnostics,
  comparedStage,
  floorStage,
  fpStage,
  type ComparedStage,
  type DiagnosticsGeometry,
  type DiagnosticsInput,
  type DiagnosticsResult,
  type FpStage,
} from './diagnosticsCompute';
import { proxySetupInputOf, type ProxySetupInput } from './diagnosticsProxy';
import {
  runDiagnosticsWindows,
  runProxyWindows,
  type DiagnosticsRunName,
  type DiagnosticsRunRequest,
  type DiagnosticsRuns,
  type DiagnosticsVariant,
} from './diagnosticsRuns';
import type { EngineBuild } from './engineBuild';
import type { JobProgress, ScenarioEnginePort } from './enginePort';
import { requireBands, type ScenarioPlan } from './plan';

export interface DiagnosticsJobResult {
  /** What the analysis reads (taps, logits, geometry, frequencies, the plan's TIR level and pairs). */
  input: DiagnosticsInput;
  /** Whether a quantized run is in it (the slider proxy needs one). */
  quantized: boolean;
  /** Why the quantized run was skipped, or null. */
  quantSkipped: string | null;
  /** The engine's device report of the FP run (e.g. 'ort-web:wasm'). */
  device: string;
}

/** θ and θ′ at L′ (rad/token) and both attention factors: the activation-based IP's input (DiagnosticsInput.frequencies). */
export function diagnosticsFrequencies(modelRope: RopeConfig, rope: RopeConfig, longTokens: number): NonNullable<DiagnosticsInput['frequencies']> {
  const original = ropeFrequencies(modelRope, { sequenceLengthTokens: longTokens });
  const interpolated = ropeFrequencies(rope, { sequenceLengthTokens: longTokens });
  return {
    invFreqOriginalRadPerToken: Array.from(original.invFreqRadPerToken),
    invFreqInterpolatedRadPerToken: Array.from(interpolated.invFreqRadPerToken),
    attentionFactorOriginal: original.attentionFactor,
    attentionFactorInterpolated: interpolated.attentionFactor,
  };
}

/** The tapped graph of a diagnostics run: every layer tapped; `logits` adds the logits output. */
export function diagnosticsEngineBuild(plan: ScenarioPlan, variant: DiagnosticsVariant, seqLen: number, logits: boolean): EngineBuild {
  const spec = plan.model.spec;
  if (!spec) throw new Error('this model has no readable architecture to run');
  const quantized = variant === 'ptq' || variant === 'ptq+qroar';
  if (variant === 'ptq+qroar' && !plan.qroar) throw new Error(plan.qroarProblem ?? 'no Q-ROAR scales are applied');
  return {
    seqLen,
    ...(quantized && plan.quant ? { quant: plan.quant.quant, kv: plan.quant.kv } : {}),
    ...(variant === 'ptq+qroar' ? { qroar: plan.qroar } : {}),
    // The noise floor: the same FP model with every weight rounded to float16 (lib/scenario/weightsF16).
    ...(variant === 'fp16' ? { weightPrecision: 'f16' as const } : {}),
    tapLayers: Array.from({ length: spec.numLayers }, (_, l) => l),
    logits,
  };
}

/** Opens the diagnostics' tapped graphs of `plan` on `port`, kept in the worker's cache on dispose. */
function tappedOpener(plan: ScenarioPlan, port: ScenarioEnginePort, tokens: Int32Array, progress: JobProgress, signal?: AbortSignal) {
  return (variant: DiagnosticsVariant, seqLen: number, logits: boolean): Promise<NllEngine> =>
    port.open(diagnosticsEngineBuild(plan, variant, seqLen, logits), {
      // The backend noise floor: the FP graph again, on the WASM EP (lib/scenario/diagnosticsRuns noiseFloorPlan).
      ...(variant === 'fp-wasm' ? { device: 'wasm' as const } : {}),
      ...(signal ? { signal } : {}),
      wantTaps: true,
      // Kept in the worker's cache: a settings round trip reuses it.
      keepOnDispose: true,
      onProgress: (m) => progress(0, `${variant} T=${seqLen} ${m}`),
      kvCalibration: { tokens, rope: plan.rope },
    });
}

/** What the analysis reads of the model: every decoder layer tapped, half-split layout. */
function diagnosticsGeometry(plan: ScenarioPlan): DiagnosticsGeometry {
  const spec = plan.model.spec;
  if (!spec) throw new Error('this model has no readable architecture to run');
  return {
    heads: spec.numHeads,
    kvHeads: spec.numKvHeads,
    headDim: spec.headDim,
    rotaryDim: plan.rope.rotaryDim,
    layout: 'half-split',
    layers: Array.from({ length: spec.numLayers }, (_, l) => l),
    bands: requireBands(plan),
    trainedWindowTokens: plan.trainedWindowTokens,
  };
}

/**
 * The slider proxy's input (lib/scenario/diagnosticsProxy): the FP and quantized runs at L′ on
 * `devTokens` (Int32Array[n], n ≥ L′), on the diagnostics' own graphs; null when nothing is quantized.
 */
export async function runProxySetup(
  plan: ScenarioPlan,
  port: ScenarioEnginePort,
  devTokens: Int32Array,
  progress: JobProgress,
  signal?: AbortSignal,
): Promise<ProxySetupInput | null> {
  if (plan.quant === null || plan.blocked !== null) return null;
  requireBands(plan);
  const runs = await runProxyWindows({
    rope: plan.rope,
    tokens: devTokens,
    longTokens: plan.contextTokens,
    openEngine: tappedOpener(plan, port, devTokens, progress, signal),
    onProgress: progress,
  });
  return proxySetupInputOf({
    geometry: diagnosticsGeometry(plan),
    longTokens: plan.contextTokens,
    longFp: runs.longFp,
    longQuant: runs.longQuant,
    pairCount: plan.diagnostics.pairs,
    seed: plan.diagnostics.seed,
  });
}

/** See module doc. `tokens`: the held-out text, Int32Array[n], n ≥ L′. */
export async function runDiagnostics(
  plan: ScenarioPlan,
  port: ScenarioEnginePort,
  tokens: Int32Array,
  progress: JobProgress,
  signal?: AbortSignal,
  onRun?: DiagnosticsRunRequest['onRun'],
): Promise<DiagnosticsJobResult> {
  const spec = plan.model.spec;
  if (!spec) throw new Error('this model has no readable architecture to run');
  requireBands(plan);
  const { rope, contextTokens: longTokens, shortContextTokens: shortTokens } = plan;
  const blocked = plan.quant ? plan.blocked : 'neither weights nor KV cache are quantized';
  const quantized = plan.quant !== null && blocked === null;
  const openEngine = tappedOpener(plan, port, tokens, progress, signal);
  const runs = await runDiagnosticsWindows({
    rope,
    tokens,
    longTokens,
    shortTokens,
    quantized,
    qroar: plan.qroar !== null,
    noiseFloor: true,
    openEngine,
    onProgress: (f, m) => progress(f * 0.9, m),
    ...(onRun ? { onRun } : {}),
  });
  const input = diagnosticsInputOf(plan, runs);
  return { input, quantized, quantSkipped: quantized ? null : blocked, device: runs.device };
}

/** The analysis input of `runs` (DiagnosticsRuns, all of them or those so far) under `plan`. */
function diagnosticsInputOf(plan: ScenarioPlan, runs: DiagnosticsRuns): DiagnosticsInput {
  return {
    ...diagnosticsBase(plan),
    longFp: runs.longFp,
    shortFp: runs.shortFp,
    longQuant: runs.longQuant,
    longQroar: runs.longQroar,
    ...(runs.qroarLogits ? { qroarLogits: runs.qroarLogits } : {}),
    ...(runs.longFloor ? { longFloor: runs.longFloor } : {}),
    ...(runs.floorLogits ? { floorLogits: runs.floorLogits } : {}),
    ...(runs.floorSource ? { floorSource: runs.floorSource } : {}),
    ...(runs.fpLogits && runs.quantLogits && plan.model.spec
      ? { fpLogits: runs.fpLogits, quantLogits: runs.quantLogits, vocab: plan.model.spec.vocabSize }
      : {}),
  };
}

/** What the analysis reads besides the runs: the geometry, the contexts, the plan's TIR level and pairs, the frequencies. */
function diagnosticsBase(plan: ScenarioPlan): Omit<DiagnosticsInput, 'longFp' | 'shortFp' | 'longQuant'> {
  const { contextTokens: longTokens, shortContextTokens: shortTokens } = plan;
  // With a quantized K cache attention reads k_kv (quantized post-RoPE keys), else k_post.
  const quantKeyTap = plan.quant?.kv && plan.quant.kv.target !== 'v' ? 'k_kv' : 'k_post';
  return {
    geometry: diagnosticsGeometry(plan),
    longTokens,
    shortTokens,
    tirQuantile: plan.settings.tirQuantile,
    pairCount: plan.diagnostics.pairs,
    seed: plan.diagnostics.seed,
    quantKeyTap,
    frequencies: diagnosticsFrequencies(plan.model.rope, plan.rope, longTokens),
  };
}

/** Runs `work` later (a macrotask in the worker), so the job's next engine request goes out first. */
export type DeferWork = <T>(work: () => T) => Promise<T>;

/** DeferWork on a macrotask: the job's next engine request (sent in microtasks) goes out before the stage runs. */
export const deferToMacrotask: DeferWork = (work) => new Promise((resolve, reject) => setTimeout(() => (async () => work())().then(resolve, reject), 0));

/**
 * runDiagnostics and computeDiagnostics in one, with the same result, but each analysis stage
 * (lib/scenario/diagnosticsCompute fpStage, comparedStage) starts as soon as its runs are in and
 * the next run has been asked for, so it overlaps the engine's work instead of following it; only
 * the noise floor's stage is left after the last run. On this 2-core machine the default view's
 * analysis had ~0.9 s alone after the noise floor's run, one core idle.
 */
export async function runDiagnosticsStaged(
  plan: ScenarioPlan,
  port: ScenarioEnginePort,
  tokens: Int32Array,
  progress: JobProgress,
  defer: DeferWork,
  signal?: AbortSignal,
): Promise<Omit<DiagnosticsJobResult, 'input'> & { result: DiagnosticsResult }> {
  const comparedRun: DiagnosticsRunName = plan.qroar !== null ? 'longQroar' : 'longQuant';
  let fp: Promise<FpStage> | null = null;
  let compared: Promise<ComparedStage | null> | null = null;
  const later = <T>(work: () => T): Promise<T> => {
    // A cancelled job skips its pending stages (its runs stop on the same signal).
    const p = defer(() => {
      if (signal?.aborted) throw new Error('the diagnostics were cancelled');
      return work();
    });
    p.catch(() => {}); // awaited below; a failure surfaces there, not as an unhandled rejection
    return p;
  };
  const onRun: NonNullable<DiagnosticsRunRequest['onRun']> = (run, soFar) => {
    if (run !== 'shortFp' && run !== comparedRun) return;
    const input = diagnosticsInputOf(plan, soFar);
    if (run === 'shortFp') fp = later(() => fpStage(input));
    else compared = later(() => comparedStage(input));
  };
  const runs = await runDiagnostics(plan, port, tokens, progress, signal, onRun);
  const { input } = runs;
  const fpDone = await (fp ?? later(() => fpStage(input)));
  const comparedDone = await (compared ?? later(() => comparedStage(input)));
  const result = assembleDiagnostics(input, fpDone, floorStage(input, comparedDone));
  return { result, quantized: runs.quantized, quantSkipped: runs.quantSkipped, device: runs.device };
}
