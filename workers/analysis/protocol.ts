/**
 * Messages between the main thread (client.ts) and the analysis worker (handler.ts): settings,
 * model facts and token ids in, SPEC §4 diagnostics, perplexity curves, the Q-ROAR search and the
 * slider proxy out, so the page never blocks on the math and never holds a tap. Discriminated on
 * `kind`; responses echo `requestId`.
 *
 * Requests:
 * - `proxy-eval`: band scales g [bands] + variant → `proxy-value` {rms, perLayer, layers}: pooled
 *   RMS logit error (logit units) over samples × heads × layers, and per layer (lib/qroar
 *   createLogitProxy: per-layer, first-order; the real objective confirms any choice), on a setup a
 *   `proxy-setup-job` registered.
 * - `cancel`: drop a queued request (answered with AbortError), or abort a running job (its engine
 *   requests are cancelled too).
 *
 * Whole jobs (the engine runs too, over the worker's own engine connection — see
 * AnalysisConnectMessage — so taps go engine worker → here and never through the page):
 * - `diagnostics-job`: settings + model (structured-clone data, workers/engine/jobModel) + the
 *   held-out tokens → lib/scenario planScenario → runDiagnostics → computeDiagnostics →
 *   `diagnostics-job-result` {result, quantSkipped, device}.
 * - `proxy-setup-job`: the same with the dev tokens → runProxySetup → the proxy kept under
 *   `setupId` → `proxy-setup-job-result` {setupId, or null when nothing is quantized}.
 * - `curve-job`: the same with the held-out tokens and one curve of the plan (`curve`: its method
 *   and variant, a CurveJob of plan.curves) → lib/scenario runCurve → `curve-job-result` {result:
 *   the CurveResult, perplexity per context}. The model carries the tokenizer's BOS id
 *   (JobModel.bosId), so the worker's plan scores windows as the page's would.
 * - `search-job`: settings + model + the SearchChoice (lib/scenario/searchRun: dev and test token
 *   ids, grid, guard, windows; the ids are copied) → planScenario → searchJobOf + searchOpener →
 *   lib/scenario runSearch; each finished candidate comes as `search-candidate` (the record
 *   runSearch's onCandidate gets, and the planned total), a widened second pass as `search-widen`,
 *   and the answer `search-job-result` {result: the SearchRunResult}. A cancel is not an error
 *   here: the job stops between candidates (or its in-flight engine request is cancelled) and
 *   answers the cancelled result with the candidates that finished (lib/scenario
 *   cancelledSearchResult), as the page's own loop did.
 * While a job runs it sends `job-progress` (fraction + message as the job reports them, and the
 * device the engine actually used). Jobs do not wait in the math queue: the sliders' proxy-eval
 * requests keep answering while a job waits on the engine.
 */
import type { EdgeHit, SearchWindow } from '../../lib/qroar/gridEdge';
import type { CandidateRecord } from '../../lib/qroar/search';
import type { QroarVariant } from '../../lib/qroar/transform';
import type { CurveJob } from '../../lib/scenario/curveJobs';
import type { DiagnosticsResult } from '../../lib/scenario/diagnosticsCompute';
import type { ProxyEvaluation } from '../../lib/scenario/diagnosticsProxy';
import type { CurveResult } from '../../lib/scenario/perplexityCurve';
import type { SearchRunResult } from '../../lib/scenario/search';
import type { SearchChoice } from '../../lib/scenario/searchRun';
import type { Settings } from '../../lib/settings/settings';
import type { JobModel } from '../engine/jobModel';
import type { DeviceReport } from '../runtime/types';

/** What a whole job runs on: the scenario's settings, the model, and the text's token ids [n] (copied, not transferred: the page keeps its cached ids). */
export interface AnalysisJob {
  settings: Settings;
  model: JobModel;
  tokens: Int32Array;
}

/** What the search job runs on: the scenario's settings, the model, and the search's choices (its dev and test ids copied). */
export interface AnalysisSearchJob {
  settings: Settings;
  model: JobModel;
  choice: SearchChoice;
}

/**
 * Not a request (no requestId, no answer): one end of a MessageChannel whose other end the engine
 * worker serves as a client connection (workers/engine/connection.ts). Jobs need it.
 */
export interface AnalysisConnectMessage {
  kind: 'connect-engine';
  port: MessagePort;
}

export type AnalysisRequest =
  | { kind: 'proxy-eval'; requestId: number; setupId: string; bandScales: number[]; variant: QroarVariant }
  | { kind: 'diagnostics-job'; requestId: number; job: AnalysisJob }
  | { kind: 'proxy-setup-job'; requestId: number; setupId: string; job: AnalysisJob }
  | { kind: 'curve-job'; requestId: number; job: AnalysisJob; curve: CurveJob }
  | { kind: 'search-job'; requestId: number; job: AnalysisSearchJob }
  | { kind: 'cancel'; requestId: number; targetRequestId: number };

/** Not an answer: a timeline entry of the worker's own engine client, for the page's timeline (workers/timeline.ts). */
export interface AnalysisTimelineMessage {
  kind: 'timeline';
  name: string;
  elapsedMs: number;
}

/** Everything the analysis worker posts to the page. */
export type AnalysisWorkerOutMessage = AnalysisResponse | AnalysisTimelineMessage;

/** Everything the analysis worker's `onmessage` receives. */
export type AnalysisWorkerMessage = AnalysisRequest | AnalysisConnectMessage;

export interface AnalysisWireError {
  name: string;
  message: string;
}

export type AnalysisResponse =
  | { kind: 'proxy-value'; requestId: number; setupId: string; value: ProxyEvaluation; elapsedMs: number }
  /** A running job's progress (not an answer: the request stays pending). */
  | { kind: 'job-progress'; requestId: number; fraction?: number; message?: string; device?: DeviceReport }
  | { kind: 'diagnostics-job-result'; requestId: number; result: DiagnosticsResult; quantSkipped: string | null; device: string; elapsedMs: number }
  | { kind: 'proxy-setup-job-result'; requestId: number; setupId: string | null; elapsedMs: number }
  | { kind: 'curve-job-result'; requestId: number; result: CurveResult; elapsedMs: number }
  /** A search candidate that finished (not an answer). */
  | { kind: 'search-candidate'; requestId: number; record: CandidateRecord; totalCandidates: number }
  /** The search's first pass ended on the window edge and it searches again in `to` (not an answer). */
  | { kind: 'search-widen'; requestId: number; hits: EdgeHit[]; from: SearchWindow; to: SearchWindow }
  | { kind: 'search-job-result'; requestId: number; result: SearchRunResult; elapsedMs: number }
  | { kind: 'error'; requestId: number; error: AnalysisWireError };

export function toAnalysisWireError(err: unknown): AnalysisWireError {
  if (err instanceof Error) return { name: err.name, message: err.message };
  return { name: 'Error', message: String(err) };
}
