/**
 * Whole jobs in the analysis worker: the scenario is planned again here (lib/scenario planScenario
 * on the structured-clone settings and model), the engines are opened over this worker's own
 * engine connection (workers/engine/scenarioPort over an EngineClient on a MessagePort), and the
 * taps the engine worker sends arrive here directly. The jobs are lib/scenario's own
 * (runDiagnostics, runProxySetup, runCurve, runSearch) unchanged; this file only wires them.
 */
import type { EdgeHit, SearchWindow } from '../../lib/qroar/gridEdge';
import type { CandidateRecord } from '../../lib/qroar/search';
import type { CurveJob } from '../../lib/scenario/curveJobs';
import { runCurve } from '../../lib/scenario/curveRun';
import type { DiagnosticsResult } from '../../lib/scenario/diagnosticsCompute';
import { deferToMacrotask, runDiagnosticsStaged, runProxySetup } from '../../lib/scenario/diagnosticsJob';
import type { ProxySetupInput } from '../../lib/scenario/diagnosticsProxy';
import type { JobProgress } from '../../lib/scenario/enginePort';
import type { CurveResult } from '../../lib/scenario/perplexityCurve';
import { planScenario } from '../../lib/scenario/plan';
import { cancelledSearchResult, runSearch, type SearchJob, type SearchRunResult } from '../../lib/scenario/search';
import { searchJobOf, searchOpener } from '../../lib/scenario/searchRun';
import type { EngineClient } from '../engine/client';
import { scenarioPortModelOf } from '../engine/jobModel';
import { createScenarioPort } from '../engine/scenarioPort';
import type { DeviceReport } from '../runtime/types';
import type { AnalysisJob, AnalysisSearchJob } from './protocol';

export interface JobContext {
  engine: EngineClient;
  progress: JobProgress;
  /** The device the engine worker actually used for an open (after any fallback). */
  onDevice(device: DeviceReport): void;
  signal: AbortSignal;
}

/** The progress line while the analysis math runs (the hook showed the same before the job moved here). */
export const ANALYSIS_PROGRESS = { fraction: 0.9, message: 'analysis: TIR, logit error, KL, activation IP' } as const;

function portOf(job: Pick<AnalysisJob, 'settings' | 'model'>, ctx: JobContext) {
  return createScenarioPort(ctx.engine, scenarioPortModelOf(job.model), { device: job.settings.device, onDevice: ctx.onDevice });
}

/**
 * The diagnostics on the held-out `job.tokens`: runDiagnosticsStaged (the same result as
 * runDiagnostics then computeDiagnostics; each analysis stage overlaps the engine's next run).
 */
export async function diagnosticsJob(job: AnalysisJob, ctx: JobContext): Promise<{ result: DiagnosticsResult; quantSkipped: string | null; device: string }> {
  const plan = planScenario(job.settings, job.model);
  const staged = await runDiagnosticsStaged(plan, portOf(job, ctx), job.tokens, ctx.progress, deferToMacrotask, ctx.signal);
  ctx.signal.throwIfAborted();
  ctx.progress(ANALYSIS_PROGRESS.fraction, ANALYSIS_PROGRESS.message);
  return { result: staged.result, quantSkipped: staged.quantSkipped, device: staged.device };
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

/** What the search streams: its progress lines (no fraction: runSearch reports lines), each finished candidate, and a widened second pass. */
export interface SearchJobEvents {
  onProgress(message: string): void;
  onCandidate(record: CandidateRecord, totalCandidates: number): void;
  onWiden(hits: EdgeHit[], from: SearchWindow, to: SearchWindow): void;
}

/**
 * runSearch of the plan's search job (searchJobOf + searchOpener over this worker's engine
 * connection, as hooks/useQroarSearch ran it on the page); the page derives its ETA from the candidates.
 * A cancel is an answer, not an error: runSearch stops between candidates with its own cancelled
 * result; a cancel that lands mid-candidate (the engine request rejects) answers
 * cancelledSearchResult with the candidates that finished — what the page's loop answered.
 */
export async function searchJob(request: AnalysisSearchJob, ctx: JobContext, events: SearchJobEvents): Promise<SearchRunResult> {
  const plan = planScenario(request.settings, request.model);
  const candidates: CandidateRecord[] = [];
  const job: SearchJob = {
    ...searchJobOf(plan, request.choice),
    signal: ctx.signal,
    openEngine: searchOpener(plan, portOf(request, ctx), request.choice.devTokens, ctx.signal),
    onCandidate: (record, total) => {
      candidates.push(record);
      events.onCandidate(record, total);
    },
    onProgress: (message) => events.onProgress(message),
    onWiden: (hits, from, to) => events.onWiden(hits, from, to),
  };
  if (ctx.signal.aborted) return cancelledSearchResult(job, candidates);
  try {
    return await runSearch(job);
  } catch (err) {
    if (ctx.signal.aborted) return cancelledSearchResult(job, candidates);
    throw err;
  }
}
