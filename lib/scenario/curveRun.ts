/**
 * The perplexity-curve job: one curve of the plan (PI method × variant) as a function of (plan,
 * engine port, tokens, progress, signal). The builds come from the plan (FP, PTQ, the Q-ROAR pair);
 * at the diagnostics' lengths a curve's graph takes on their tap/logit outputs so both share one
 * session (lib/scenario/sharedOutputs; any PI method: RoPE tables are inputs); the Q-ROAR control
 * has no diagnostics twin. The plan's pinned contexts, window count and KV calibration context
 * (PlanOverrides, `bandscope eval`) apply here, so the CLI and the dashboard compute a curve one way.
 */
import type { NllEngine, NllEngineOutput } from '../eval/engine';
import { curveBuild, isFp, type CurveJob } from './curveJobs';
import type { EngineBuild } from './engineBuild';
import type { JobProgress, ScenarioEnginePort } from './enginePort';
import { frequencyGroups, perplexityCurve, type CurveResult } from './perplexityCurve';
import type { ScenarioPlan } from './plan';
import { sharedDiagnosticsOutputs } from './sharedOutputs';

/** What a driver adds to a curve job beyond the plan; none of it changes a perplexity. */
export interface CurveRunOptions {
  signal?: AbortSignal;
  /**
   * Count, per context, the cached elements that saturate against per-channel KV scales (the
   * graph's `kv_clipped` [T], summed over each context's C-prefixes): CurveRunResult.kvClipped.
   * Only with a per-channel KV cache in the build; the engines then return their taps.
   */
  kvClipCounts?: boolean;
  /** false: never give a curve's graph the diagnostics' outputs (a driver without a diagnostics job, e.g. the CLI). Default true. */
  diagnosticsOutputs?: boolean;
}

export interface CurveRunResult extends CurveResult {
  /** With kvClipCounts and a per-channel KV cache: saturated elements per context (plan order), over its windows × C tokens; else null. */
  kvClipped: number[] | null;
}

/** The engine build of `job` at T = seqLen (weights, KV, Q-ROAR, and the diagnostics' outputs when shared). */
export function curveEngineBuild(plan: ScenarioPlan, job: Pick<CurveJob, 'variant'>, seqLen: number, opts: { diagnosticsOutputs?: boolean } = {}): EngineBuild {
  const base = curveBuild(job, plan.quant, () => {
    if (!plan.qroar) throw new Error(plan.qroarProblem ?? 'no Q-ROAR scales are applied; apply scales in the Q-ROAR panel first');
    return plan.qroar;
  });
  const shape = { longTokens: plan.contextTokens, shortTokens: plan.shortContextTokens, quantized: plan.quant !== null && plan.blocked === null };
  const share = opts.diagnosticsOutputs !== false && plan.model.spec && job.variant !== 'fp+qroar';
  const shared = share ? sharedDiagnosticsOutputs(plan.model.spec!, seqLen, shape) : null;
  return { ...base, ...(plan.quantFormat !== null ? { quantFormat: plan.quantFormat } : {}), ...shared, seqLen };
}

/**
 * Perplexity at each of the plan's contexts for `job` over `tokens` (Int32Array[n]): the plan's
 * pinned window count, or at most plan.ppl.maxWindows windows of plan.ppl.tokenBudget tokens, of
 * the longest context (shorter contexts are their prefixes, lib/scenario/perplexityCurve). Throws
 * the plan's reason when a quantized variant cannot be built.
 */
export async function runCurve(
  plan: ScenarioPlan,
  job: CurveJob,
  port: ScenarioEnginePort,
  tokens: Int32Array,
  progress: JobProgress,
  signal?: AbortSignal,
  options: Omit<CurveRunOptions, 'signal'> = {},
): Promise<CurveRunResult> {
  if (!isFp(job) && plan.blocked) throw new Error(plan.blocked);
  const rope = plan.ropeOf(job.method);
  const build0 = curveEngineBuild(plan, job, plan.contexts[plan.contexts.length - 1], options);
  const counting = options.kvClipCounts === true && build0.kv?.granularity === 'channel';
  // Per frequency group length G: the clip counts [G] summed over its windows.
  const clippedByLength = new Map<number, Float64Array>();
  const counted = (engine: NllEngine): NllEngine => ({
    device: engine.device,
    seqLen: engine.seqLen,
    async run(input): Promise<NllEngineOutput> {
      const out = await engine.run(input);
      const counts = out.taps?.kv_clipped;
      if (!counts || counts.length !== engine.seqLen) throw new Error(`the engine returned no kv_clipped [${engine.seqLen}] for a per-channel KV cache`);
      let acc = clippedByLength.get(engine.seqLen);
      if (!acc) clippedByLength.set(engine.seqLen, (acc = new Float64Array(engine.seqLen)));
      for (let p = 0; p < counts.length; p++) acc[p] += counts[p];
      return { nll: out.nll };
    },
    dispose: () => engine.dispose(),
  });
  const result = await perplexityCurve({
    method: job.method,
    variant: job.variant,
    rope,
    tokens,
    contexts: plan.contexts,
    tokenBudget: plan.ppl.tokenBudget,
    maxWindows: plan.ppl.maxWindows,
    ...(plan.windows !== null ? { windows: plan.windows } : {}),
    openEngine: async (seqLen) => {
      const engine = await port.open(
        { ...curveEngineBuild(plan, job, seqLen, options), ...(counting ? { kvClipCount: true } : {}) },
        {
          ...(signal ? { signal } : {}),
          // Left in the worker's LRU: the diagnostics' short run opens the same graph right after.
          keepOnDispose: true,
          ...(counting ? { wantTaps: true } : {}),
          onProgress: (message) => progress(0, message),
          kvCalibration: { tokens, rope, ...(plan.kvCalibrationTokens !== null ? { calibrationTokens: plan.kvCalibrationTokens } : {}) },
        },
      );
      return counting ? counted(engine) : engine;
    },
    onProgress: progress,
    scoring: plan.scoring,
  });
  if (!counting) return { ...result, kvClipped: null };
  // A context's count: the first C positions of its frequency group's run (a causal prefix).
  const groupOf = new Map<number, number>();
  for (const group of frequencyGroups(rope, [...plan.contexts])) for (const c of group) groupOf.set(c, group[group.length - 1]);
  const kvClipped = plan.contexts.map((c) => {
    const acc = clippedByLength.get(groupOf.get(c)!)!;
    let n = 0;
    for (let p = 0; p < c; p++) n += acc[p];
    return n;
  });
  return { ...result, kvClipped };
}
