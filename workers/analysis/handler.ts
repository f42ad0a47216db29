/**
 * The analysis worker's logic, free of worker globals so it unit-tests in Node. Requests run one
 * at a time in arrival order (each is synchronous math); `cancel` drops a request still queued.
 * Proxy setups are kept by id until dropped, replaced, or evicted as the oldest of MAX_PROXY_SETUPS.
 */
import { computeDiagnostics } from '../../lib/scenario/diagnosticsCompute';
import { createLayeredProxy, proxySetupInputOf, type LayeredProxy } from '../../lib/scenario/diagnosticsProxy';
import type { AnalysisRequest, AnalysisResponse } from './protocol';
import { toAnalysisWireError } from './protocol';

export interface AnalysisHandlerDeps {
  post(response: AnalysisResponse): void;
  now?: () => number;
}

export interface AnalysisHandler {
  handle(request: AnalysisRequest): Promise<void>;
}

/** Setups kept (each holds its layers' taps): the oldest go first, so settings changes do not pile up memory. */
export const MAX_PROXY_SETUPS = 4;

class AbortError extends Error {
  override name = 'AbortError';
}

export function createAnalysisHandler(deps: AnalysisHandlerDeps): AnalysisHandler {
  const now = deps.now ?? (() => performance.now());
  const setups = new Map<string, LayeredProxy>();
  const cancelled = new Set<number>();
  let queue: Promise<void> = Promise.resolve();
  const keep = (id: string, proxy: LayeredProxy): void => {
    setups.delete(id);
    setups.set(id, proxy);
    while (setups.size > MAX_PROXY_SETUPS) setups.delete(setups.keys().next().value as string);
  };

  function work(request: Exclude<AnalysisRequest, { kind: 'cancel' }>): AnalysisResponse {
    const started = now();
    switch (request.kind) {
      case 'diagnostics': {
        const result = computeDiagnostics(request.input);
        let proxySetupId: string | null = null;
        const proxyInput = request.proxySetupId ? proxySetupInputOf(request.input) : null;
        if (request.proxySetupId && proxyInput) {
          keep(request.proxySetupId, createLayeredProxy(proxyInput));
          proxySetupId = request.proxySetupId;
        }
        return { kind: 'diagnostics-result', requestId: request.requestId, result, elapsedMs: now() - started, proxySetupId };
      }
      case 'proxy-setup': {
        const proxy = createLayeredProxy(request.input);
        keep(request.setupId, proxy);
        return {
          kind: 'proxy-ready',
          requestId: request.requestId,
          setupId: request.setupId,
          bandCount: proxy.bandCount,
          layers: request.input.layers.map((l) => l.layer),
          elapsedMs: now() - started,
        };
      }
      case 'proxy-eval': {
        const proxy = setups.get(request.setupId);
        if (!proxy)
          throw new Error(`no proxy setup '${request.setupId}' (have: ${[...setups.keys()].join(', ') || 'none'}); run the diagnostics or a proxy-setup first`);
        const value = proxy.evaluate(request.bandScales, request.variant);
        return { kind: 'proxy-value', requestId: request.requestId, setupId: request.setupId, value, elapsedMs: now() - started };
      }
      case 'proxy-drop':
        setups.delete(request.setupId);
        return { kind: 'dropped', requestId: request.requestId };
      default: {
        const unreachable: never = request;
        throw new Error(`unknown analysis request ${JSON.stringify(unreachable)}`);
      }
    }
  }

  return {
    handle(request) {
      if (request.kind === 'cancel') {
        cancelled.add(request.targetRequestId);
        return Promise.resolve();
      }
      const next = queue.then(() => {
        try {
          if (cancelled.has(request.requestId)) throw new AbortError(`request ${request.requestId} was cancelled`);
          deps.post(work(request));
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
