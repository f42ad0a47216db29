/**
 * Main-thread side of the analysis worker: request ids, promises, cancel via AbortSignal.
 * Framework-agnostic; hooks/useDiagnostics wraps it. `getAnalysisClient()` is the page's one
 * instance (created on first use), so the diagnostics and the Q-ROAR sliders share proxy setups.
 *
 * For the sliders: `proxyEval(setupId, bandScales, variant)` on the setup `proxySetupJob` registered.
 *
 * Whole jobs (`diagnosticsJob`, `proxySetupJob`, `curveJob`, `searchJob`) run the engine too, so the page sends settings,
 * model facts and token ids and gets chart data back, never taps; they need `connectEngine(port)`
 * first (one end of a MessageChannel whose other end went to the engine client's `connect`).
 */
import type { QroarVariant } from '../../lib/qroar/transform';
import type { CurveJob } from '../../lib/scenario/curveJobs';
import type { DiagnosticsResult } from '../../lib/scenario/diagnosticsCompute';
import type { ProxyEvaluation } from '../../lib/scenario/diagnosticsProxy';
import type { CurveResult } from '../../lib/scenario/perplexityCurve';
import type { EdgeHit, SearchWindow } from '../../lib/qroar/gridEdge';
import type { CandidateRecord } from '../../lib/qroar/search';
import type { SearchRunResult } from '../../lib/scenario/search';
import type { DeviceReport } from '../runtime/types';
import type {
  AnalysisJob,
  AnalysisRequest,
  AnalysisSearchJob,
  AnalysisResponse,
  AnalysisWireError,
  AnalysisWorkerMessage,
  AnalysisWorkerOutMessage,
} from './protocol';
import { markTimeline } from '../timeline';

export interface AnalysisWorkerLike {
  postMessage(message: AnalysisWorkerMessage, transfer: Transferable[]): void;
  addEventListener(type: 'message', listener: (event: { data: AnalysisWorkerOutMessage }) => void): void;
  addEventListener(type: 'error', listener: (event: { message?: string }) => void): void;
  terminate(): void;
}

export interface AnalysisOptions {
  signal?: AbortSignal;
}

/** A running job's progress: fraction and line as lib/scenario's job reports them, or the device the engine used. */
export interface AnalysisJobProgress {
  fraction?: number;
  message?: string;
  device?: DeviceReport;
}

export interface AnalysisJobOptions extends AnalysisOptions {
  onProgress?: (progress: AnalysisJobProgress) => void;
}

export interface AnalysisSearchOptions extends AnalysisJobOptions {
  /** Each finished candidate (the record runSearch's onCandidate gets) and the planned total of its pass. */
  onCandidate?: (record: CandidateRecord, totalCandidates: number) => void;
  /** The first pass ended on the window edge and the search runs again in `to`. */
  onWiden?: (hits: EdgeHit[], from: SearchWindow, to: SearchWindow) => void;
}

export interface AnalysisClient {
  proxyEval(setupId: string, bandScales: number[], variant: QroarVariant, options?: AnalysisOptions): Promise<ProxyEvaluation>;
  /** Gives the worker its engine connection (transferred): one end of a MessageChannel, the other end given to EngineClient.connect. */
  connectEngine(port: MessagePort): void;
  /**
   * The whole diagnostics job in the worker (workers/analysis/jobs.ts): lib/scenario runDiagnostics
   * over the worker's engine connection, then computeDiagnostics. `job.tokens` is copied.
   */
  diagnosticsJob(
    job: AnalysisJob,
    options?: AnalysisJobOptions,
  ): Promise<{ result: DiagnosticsResult; quantSkipped: string | null; device: string; elapsedMs: number }>;
  /** runProxySetup in the worker; the proxy is kept under `setupId`. Answers `setupId`, or null when nothing is quantized. */
  proxySetupJob(setupId: string, job: AnalysisJob, options?: AnalysisJobOptions): Promise<string | null>;
  /**
   * One perplexity curve in the worker: lib/scenario runCurve of the plan's (method, variant) curve
   * over the worker's engine connection on `job.tokens` (copied). Throws the plan's reason when the
   * quantized variant cannot be built.
   */
  curveJob(job: AnalysisJob, curve: CurveJob, options?: AnalysisJobOptions): Promise<CurveResult>;
  /**
   * The Q-ROAR search in the worker: lib/scenario runSearch of the plan's search job over the
   * worker's engine connection (`job.choice`'s ids are copied). Progress lines come as
   * `onProgress({message})`. Aborting `options.signal` cancels the job and still resolves, with the
   * cancelled SearchRunResult (the candidates that finished); only a signal aborted before the
   * request is sent rejects (AbortError).
   */
  searchJob(job: AnalysisSearchJob, options?: AnalysisSearchOptions): Promise<SearchRunResult>;
  terminate(): void;
}

export class AnalysisAbortError extends Error {
  override name = 'AbortError';
}

export class AnalysisWorkerError extends Error {
  constructor(wire: AnalysisWireError) {
    super(wire.message);
    this.name = wire.name;
  }
}

function defaultWorker(): AnalysisWorkerLike {
  return new Worker(new URL('./analysis.worker.ts', import.meta.url), { type: 'module', name: 'bandscope-analysis' }) as unknown as AnalysisWorkerLike;
}

export function createAnalysisClient(createWorker: () => AnalysisWorkerLike = defaultWorker): AnalysisClient {
  const worker = createWorker();
  const pending = new Map<
    number,
    { resolve(r: AnalysisResponse): void; reject(e: Error): void; onProgress?: (p: AnalysisJobProgress) => void; onEvent?: (r: AnalysisResponse) => void }
  >();
  let nextRequestId = 1;
  let terminated = false;

  worker.addEventListener('message', (event) => {
    const response = event.data;
    if (response.kind === 'timeline') {
      markTimeline(response.name, response.elapsedMs);
      return;
    }
    const entry = pending.get(response.requestId);
    if (!entry) return;
    if (response.kind === 'job-progress') {
      const { kind: _kind, requestId: _id, ...progress } = response;
      entry.onProgress?.(progress);
      return;
    }
    if (response.kind === 'search-candidate' || response.kind === 'search-widen') {
      entry.onEvent?.(response);
      return;
    }
    pending.delete(response.requestId);
    if (response.kind === 'error')
      entry.reject(response.error.name === 'AbortError' ? new AnalysisAbortError(response.error.message) : new AnalysisWorkerError(response.error));
    else entry.resolve(response);
  });
  worker.addEventListener('error', (event) => {
    const error = new Error(`analysis worker failed: ${event.message ?? 'unknown error (script failed to load?)'}`);
    for (const entry of pending.values()) entry.reject(error);
    pending.clear();
  });

  /**
   * With `answersCancel`, an abort sends the cancel and keeps waiting: the job answers (the search's
   * cancelled result) rather than failing.
   */
  function request(
    build: (requestId: number) => AnalysisRequest,
    options: AnalysisJobOptions = {},
    events: { answersCancel?: boolean; onEvent?: (r: AnalysisResponse) => void } = {},
  ): Promise<AnalysisResponse> {
    if (terminated) return Promise.reject(new Error('analysis client was terminated'));
    const requestId = nextRequestId++;
    const { signal } = options;
    if (signal?.aborted) return Promise.reject(new AnalysisAbortError(`request ${requestId} aborted before it was sent`));
    const message = build(requestId);
    return new Promise<AnalysisResponse>((resolve, reject) => {
      const onAbort = (): void => {
        worker.postMessage({ kind: 'cancel', requestId: nextRequestId++, targetRequestId: requestId }, []);
        if (events.answersCancel) return;
        // The worker may already be computing; stop waiting for it either way.
        if (pending.delete(requestId)) reject(new AnalysisAbortError(`request ${requestId} cancelled`));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      pending.set(requestId, {
        resolve: (r) => {
          signal?.removeEventListener('abort', onAbort);
          resolve(r);
        },
        reject: (e) => {
          signal?.removeEventListener('abort', onAbort);
          reject(e);
        },
        onProgress: options.onProgress,
        onEvent: events.onEvent,
      });
      // Nothing is transferred: token ids are copied (the page keeps its cached ids).
      worker.postMessage(message, []);
    });
  }

  const expect = <K extends AnalysisResponse['kind']>(r: AnalysisResponse, kind: K): Extract<AnalysisResponse, { kind: K }> => {
    if (r.kind !== kind) throw new Error(`analysis worker answered '${r.kind}', expected '${kind}'`);
    return r as Extract<AnalysisResponse, { kind: K }>;
  };

  return {
    async proxyEval(setupId, bandScales, variant, options) {
      return expect(await request((requestId) => ({ kind: 'proxy-eval', requestId, setupId, bandScales, variant }), options), 'proxy-value').value;
    },
    connectEngine(port) {
      if (terminated) throw new Error('analysis client was terminated');
      worker.postMessage({ kind: 'connect-engine', port }, [port]);
    },
    async diagnosticsJob(job, options) {
      const r = expect(await request((requestId) => ({ kind: 'diagnostics-job', requestId, job }), options), 'diagnostics-job-result');
      markTimeline(`analysis diagnostics job`, r.elapsedMs);
      return { result: r.result, quantSkipped: r.quantSkipped, device: r.device, elapsedMs: r.elapsedMs };
    },
    async proxySetupJob(setupId, job, options) {
      return expect(await request((requestId) => ({ kind: 'proxy-setup-job', requestId, setupId, job }), options), 'proxy-setup-job-result').setupId;
    },
    async curveJob(job, curve, options) {
      const r = expect(await request((requestId) => ({ kind: 'curve-job', requestId, job, curve }), options), 'curve-job-result');
      markTimeline(`analysis curve job ${curve.key}`, r.elapsedMs);
      return r.result;
    },
    async searchJob(job, options = {}) {
      const onEvent = (r: AnalysisResponse): void => {
        if (r.kind === 'search-candidate') options.onCandidate?.(r.record, r.totalCandidates);
        else if (r.kind === 'search-widen') options.onWiden?.(r.hits, r.from, r.to);
      };
      const r = expect(await request((requestId) => ({ kind: 'search-job', requestId, job }), options, { answersCancel: true, onEvent }), 'search-job-result');
      markTimeline(`analysis search job`, r.elapsedMs);
      return r.result;
    },
    terminate() {
      terminated = true;
      worker.terminate();
      const error = new AnalysisAbortError('analysis client terminated');
      for (const entry of pending.values()) entry.reject(error);
      pending.clear();
    },
  };
}

let shared: AnalysisClient | null = null;

/** The page's one analysis worker (browser only). */
export function getAnalysisClient(): AnalysisClient {
  shared ??= createAnalysisClient();
  return shared;
}
