/**
 * The perplexity-curve job: one curve of the plan (PI method × variant) as a function of (plan,
 * engine port, tokens, progress, signal). The builds come from the plan (FP, PTQ, the Q-ROAR pair);
 * at the diagnostics' lengths a curve's graph takes on their tap/logit outputs so both share one
 * session (lib/scenario/sharedOutputs; any PI method: RoPE tables are inputs); the Q-ROAR control
 * has no diagnostics twin.
 */
import { curveBuild, isFp, type CurveJob } from './curveJobs';
import type { EngineBuild } from './engineBuild';
import type { JobProgress, ScenarioEnginePort } from './enginePort';
import { perplexityCurve, type CurveResult } from './perplexityCurve';
import type { ScenarioPlan } from './plan';
import { sharedDiagnosticsOutputs } from './sharedOutputs';

/** The engine build of `job` at T = seqLen (weights, KV, Q-ROAR, and the diagnostics' outputs when shared). */
export function curveEngineBuild(plan: ScenarioPlan, job: Pick<CurveJob, 'variant'>, seqLen: number): EngineBuild {
  const base = curveBuild(job, plan.quant, () => {
    if (!plan.qroar) throw new Error(plan.qroarProblem ?? 'no Q-ROAR scales are applied; apply scales in the Q-ROAR panel first');
    return plan.qroar;
  });
  const shape = { longTokens: plan.contextTokens, shortTokens: plan.shortContextTokens, quantized: plan.quant !== null && plan.blocked === null };
  const shared = plan.model.spec && job.variant !== 'fp+qroar' ? sharedDiagnosticsOutputs(plan.model.spec, seqLen, shape) : null;
  return { ...base, ...shared, seqLen };
}

/**
 * Perplexity at each of the plan's contexts for `job` over `tokens` (Int32Array[n]), at most
 * plan.ppl.maxWindows windows of plan.ppl.tokenBudget tokens per context. Throws the plan's
 * reason when a quantized variant cannot be built.
 */
export async function runCurve(
  plan: ScenarioPlan,
  job: CurveJob,
  port: ScenarioEnginePort,
  tokens: Int32Array,
  progress: JobProgress,
  signal?: AbortSignal,
): Promise<CurveResult> {
  if (!isFp(job) && plan.blocked) throw new Error(plan.blocked);
  const rope = plan.ropeOf(job.method);
  return perplexityCurve({
    method: job.method,
    variant: job.variant,
    rope,
    tokens,
    contexts: plan.contexts,
    tokenBudget: plan.ppl.tokenBudget,
    maxWindows: plan.ppl.maxWindows,
    openEngine: (seqLen) =>
      port.open(curveEngineBuild(plan, job, seqLen), {
        ...(signal ? { signal } : {}),
        // Left in the worker's LRU: the diagnostics' short run opens the same graph right after.
        keepOnDispose: true,
        onProgress: (message) => progress(0, message),
        kvCalibration: { tokens, rope },
      }),
    onProgress: progress,
    scoring: plan.scoring,
  });
}
