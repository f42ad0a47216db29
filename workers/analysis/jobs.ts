/**
 * Whole jobs in the analysis worker: the scenario is planned again here (lib/scenario planScenario
 * on the structured-clone settings and model), the engines are opened over this worker's own
 * engine connection (workers/engine/scenarioPort over an EngineClient on a MessagePort), and the
 * taps the engine worker sends arrive here directly. The jobs are lib/scenario's own
 * (runDiagnostics, runProxySetup, runCurve) unchanged; this file only wires them.
 */
import type { CurveJob } from '../../lib/scenario/curveJobs';
import { runCurve } from '../../lib/scenario/curveRun';
import { computeDiagnostics, type DiagnosticsResult } from '../../lib/scenario/diagnosticsCompute';
import { runDiagnostics, runProxySetup } from '../../lib/scenario/diagnosticsJob';
import type { ProxySetupInput } from '../../lib/scenario/diagnosticsProxy';
import type { JobProgress } from '../../lib/scenario/enginePort';
import type { CurveResult } from '../../lib/scenario/perplexityCurve';
import { planScenario } from '../../lib/scenario/plan';
import type { EngineClient } from '../engine/client';
import { scenarioPortModelOf } from '../engine/jobModel';
import { createScenarioPort } from '../engine/scenarioPort';
import type { DeviceReport } from '../runtime/types';
import type { AnalysisJob } from './protocol';

export interface JobContext {
  engine: EngineClient;
  progress: JobProgress;
  /** The device the engine worker actually used for an open (after any fallback). */
  onDevice(device: DeviceReport): void;
  signal: AbortSignal;
}

/** The progress line while the analysis math runs (the hook showed the same before the job moved here). */
export const ANALYSIS_PROGRESS = { fraction: 0.9, message: 'analysis: TIR, logit error, KL, activation IP' } as const;

function portOf(job: AnalysisJob, ctx: JobContext) {
  return createScenarioPort(ctx.engine, scenarioPortModelOf(job.model), { device: job.settings.device, onDevice: ctx.onDevice });
}

/** runDiagnostics then computeDiagnostics, on the held-out `job.tokens`. */
export async function diagnosticsJob(job: AnalysisJob, ctx: JobContext): Promise<{ result: DiagnosticsResult; quantSkipped: string | null; device: string }> {
  const plan = planScenario(job.settings, job.model);
  const runs = await runDiagnostics(plan, portOf(job, ctx), job.tokens, ctx.progress, ctx.signal);
  ctx.signal.throwIfAborted();
  ctx.progress(ANALYSIS_PROGRESS.fraction, ANALYSIS_PROGRESS.message);
  return { result: computeDiagnostics(runs.input), quantSkipped: runs.quantSkipped, device: runs.device };
}

/** runProxySetup on the dev `job.tokens`: the slider proxy's input, or null when nothing is quantized. */
export async function proxySetupJob(job: AnalysisJob, ctx: JobContext): Promise<ProxySetupInput | null> {
  const plan = planScenario(job.settings, job.model);
  const input = await runProxySetup(plan, portOf(job, ctx), job.tokens, ctx.progress, ctx.signal);
  ctx.signal.throwIfAborted();
  return input;
}

/**
 * runCurve of the plan's curve with `curve`'s method and variant on the held-out `job.tokens`:
 * perplexity per context (CurveResult). The plan's own CurveJob runs (the page sent its copy), so
 * a curve these settings do not have is refused rather than run.
 */
export async function curveJob(job: AnalysisJob, curve: Pick<CurveJob, 'method' | 'variant'>, ctx: JobContext): Promise<CurveResult> {
  const plan = planScenario(job.settings, job.model);
  const planned = plan.curves.find((c) => c.method === curve.method && c.variant === curve.variant);
  if (!planned)
    throw new Error(
      `these settings have no '${curve.method}/${curve.variant}' perplexity curve (they run: ${plan.curves.map((c) => c.key).join(', ')}); the page and the worker disagree on the scenario`,
    );
  const result = await runCurve(plan, planned, portOf(job, ctx), job.tokens, ctx.progress, ctx.signal);
  ctx.signal.throwIfAborted();
  return result;
}
