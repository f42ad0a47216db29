/**
 * The analysis worker's logic, free of worker globals so it unit-tests in Node. Slider requests
 * (`proxy-eval`, synchronous math) run one at a time in arrival order; `cancel` drops one still
 * queued. Proxy setups are kept by id until replaced or evicted as the oldest of MAX_PROXY_SETUPS.
 * Whole jobs (`diagnostics-job`, `proxy-setup-job`, `curve-job`, `search-job`: jobs.ts) run beside the queue, over the engine
 * connection given to `attachEngine`; `cancel` aborts one (and its engine requests). A cancelled
 * search answers its cancelled result, not an error (even when cancelled before it started).
 */
import { createLayeredProxy, type LayeredProxy } from '../../lib/scenario/diagnosticsProxy';
import type { EngineClient } from '../engine/client';
import { curveJob, diagnosticsJob, proxySetupJob, searchJob, type JobContext } from './jobs';
import type { AnalysisRequest, AnalysisResponse } from './protocol';
import { toAnalysisWireError } from './protocol';

export interface AnalysisHandlerDeps {
  post(response: AnalysisResponse): void;
  now?: () => number;
}

export interface AnalysisHandler {
  /** Resolves when the request has been answered. */
  handle(request: AnalysisRequest): Promise<void>;
  /** The engine connection jobs open their engines on (analysis.worker.ts: an EngineClient over the port the page handed over). */
  attachEngine(engine: EngineClient): void;
}

type JobRequest = Extract<AnalysisRequest, { kind: 'diagnostics-job' | 'proxy-setup-job' | 'curve-job' | 'search-job' }>;

/** Setups kept (each holds its layers' taps): the oldest go first, so settings changes do not pile up memory. */
export const MAX_PROXY_SETUPS = 4;

class AbortError extends Error {
  override name = 'AbortError';
}

export function createAnalysisHandler(deps: AnalysisHandlerDeps): AnalysisHandler {
  const now = deps.now ?? (() => performance.now());
  const setups = new Map<string, LayeredProxy>();
  const cancelled = new Set<number>();
  // Running jobs by request id: cancel aborts the job's signal, which cancels its engine requests.
  const jobs = new Map<number, AbortController>();
  let engine: EngineClient | null = null;
  let queue: Promise<void> = Promise.resolve();
  const keep = (id: string, proxy: LayeredProxy): void => {
    setups.delete(id);
    setups.set(id, proxy);
    while (setups.size > MAX_PROXY_SETUPS) setups.delete(setups.keys().next().value as string);
  };

  async function runJob(request: JobRequest, cancelledBefore = false): Promise<void> {
    const { requestId } = request;
    const controller = new AbortController();
    if (cancelledBefore) controller.abort(new AbortError(`request ${requestId} was cancelled`));
    jobs.set(requestId, controller);
    const started = now();
    try {
      if (!engine) throw new Error('the analysis worker has no engine connection: the page must hand it one (connect-engine) before a job');
      const ctx: JobContext = {
        engine,
        progress: (fraction, message) => deps.post({ kind: 'job-progress', requestId, fraction, message }),
        onDevice: (device) => deps.post({ kind: 'job-progress', requestId, device }),
        signal: controller.signal,
      };
      if (request.kind === 'diagnostics-job') {
        const out = await diagnosticsJob(request.job, ctx);
        deps.post({ kind: 'diagnostics-job-result', requestId, ...out, elapsedMs: now() - started });
      } else if (request.kind === 'search-job') {
        const result = await searchJob(request.job, ctx, {
          onProgress: (message) => deps.post({ kind: 'job-progress', requestId, message }),
          onCandidate: (record, totalCandidates) => deps.post({ kind: 'search-candidate', requestId, record, totalCandidates }),
          onWiden: (hits, from, to) => deps.post({ kind: 'search-widen', requestId, hits, from, to }),
        });
        deps.post({ kind: 'search-job-result', requestId, result, elapsedMs: now() - started });
      } else if (request.kind === 'curve-job') {
        const result = await curveJob(request.job, request.curve, ctx);
        deps.post({ kind: 'curve-job-result', requestId, result, elapsedMs: now() - started });
      } else {
        const input = await proxySetupJob(request.job, ctx);
        if (input) keep(request.setupId, createLayeredProxy(input));
        deps.post({ kind: 'proxy-setup-job-result', requestId, setupId: input ? request.setupId : null, elapsedMs: now() - started });
      }
    } catch (err) {
      deps.post({ kind: 'error', requestId, error: toAnalysisWireError(err) });
    } finally {
      jobs.delete(requestId);
    }
  }

  function evaluateProxy(request: Extract<AnalysisRequest, { kind: 'proxy-eval' }>): AnalysisResponse {
    const started = now();
    const proxy = setups.get(request.setupId);
    if (!proxy) throw new Error(`no proxy setup '${request.setupId}' (have: ${[...setups.keys()].join(', ') || 'none'}); run the proxy setup job first`);
    const value = proxy.evaluate(request.bandScales, request.variant);
    return { kind: 'proxy-value', requestId: request.requestId, setupId: request.setupId, value, elapsedMs: now() - started };
  }

  return {
    attachEngine(client) {
      engine = client;
    },
    handle(request) {
      if (request.kind === 'cancel') {
        const job = jobs.get(request.targetRequestId);
        if (job) job.abort(new AbortError(`request ${request.targetRequestId} was cancelled`));
        else cancelled.add(request.targetRequestId);
        return Promise.resolve();
      }
      if (request.kind === 'search-job') return runJob(request, cancelled.delete(request.requestId));
      if (request.kind === 'diagnostics-job' || request.kind === 'proxy-setup-job' || request.kind === 'curve-job') {
        if (cancelled.delete(request.requestId)) {
          deps.post({ kind: 'error', requestId: request.requestId, error: toAnalysisWireError(new AbortError(`request ${request.requestId} was cancelled`)) });
          return Promise.resolve();
        }
        return runJob(request);
      }
      const next = queue.then(() => {
        try {
          if (cancelled.has(request.requestId)) throw new AbortError(`request ${request.requestId} was cancelled`);
          deps.post(evaluateProxy(request));
        } catch (err) {
          deps.post({ kind: 'error', requestId: request.requestId, error: toAnalysisWireError(err) });
        } finally {
          cancelled.delete(request.requestId);
        }
      });
      queue = next;
      return next;
    },
  };
}
