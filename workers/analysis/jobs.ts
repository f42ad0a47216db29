/**
 * Whole jobs in the analysis worker: the scenario is planned again here (lib/scenario planScenario
 * on the structured-clone settings and model), the engines are opened over this worker's own
 * engine connection (workers/engine/scenarioPort over an EngineClient on a MessagePort), and the
 * taps the engine worker sends arrive here directly. The jobs are lib/scenario's own
 * (runDiagnostics, runProxySetup) unchanged; this file only wires them.
 */
import { computeDiagnostics, type DiagnosticsResult } from '../../lib/scenario/diagnosticsCompute';
import { runDiagnostics, runProxySetup } from '../../lib/scenario/diagnosticsJob';
import type { ProxySetupInput } from '../../lib/scenario/diagnosticsProxy';
import type { JobProgress } from '../../lib/scenario/enginePort';
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
