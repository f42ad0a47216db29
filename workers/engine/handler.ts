/**
 * The engine worker's logic, with its runtime and graph builder injected so it runs in Node
 * tests (onnxruntime-node) exactly as in the browser (onnxruntime-web). One queue: loads, runs
 * and disposes execute one at a time in arrival order; cancel acts at once and is honoured
 * between steps. Sessions live in one LRU by bytes (sessionCache.ts) shared by every session of
 * the worker; one evicted while a client still holds it is rebuilt on its next run.
 *
 * More than one client: `connect(post)` opens another connection (the analysis worker's, over a
 * MessagePort: engine.worker.ts) with its own request-id space. Requests of every connection share
 * the one queue, the session LRU and the run memo (one owner of ORT); each answer goes back on the
 * connection its request came from, and a `cancel` reaches only its own connection's requests.
 */
import type { DeviceReport, DeviceRequest, EngineRuntime, FeedTensor, GpuBufferLimits, RuntimeSession } from '../runtime/types';
import type { EngineRequest, EngineResponse, GraphBuildRequest, ModelFile, ModelSource, ProgressStage } from './protocol';
import type { BuiltModel, LayeredBuild } from './buildGraph';
import type { FedDecoderLayerWeights } from '../../lib/onnx/weights';
import type { EngineDeviceFacts } from '../../lib/model/enginePlan';
import { createLayeredSession } from './layeredSession';
import { createLayerWeightCache } from './layerWeightCache';
import { createRunMemo } from './runMemo';
import { createSessionCache } from './sessionCache';
import { formatBytes } from '../../lib/format/bytes';
import { toWireError, transferablesOf } from './protocol';
import { createTokenizer } from '../../lib/tokenize/hfTokenizer';
import { encodeTokenStream } from '../../lib/tokenize/stream';

export interface BuildContext {
  onProgress(stage: ProgressStage, fraction?: number, message?: string): void;
  /** Throws an AbortError when the request was cancelled; call between steps. */
  throwIfCancelled(): void;
  /** The WebGPU adapter's buffer limits when the session will run on WebGPU, else null/absent. */
  gpuLimits?: GpuBufferLimits | null;
  /** What the session will run on (lib/model/enginePlan: a streamed full-precision run holds float16 on WebGPU with shader-f16). */
  deviceFacts?: EngineDeviceFacts;
}

export interface EngineHandlerDeps {
  runtime: EngineRuntime;
  /**
   * Reads a Hugging Face folder at baseUrl and returns ONNX model bytes (lib/model + lib/onnx), or
   * a LayeredBuild when only the layer-streamed engine fits the build's budget (buildGraph.ts).
   */
  buildGraphFromUrl(baseUrl: string, build: GraphBuildRequest, ctx: BuildContext): Promise<BuiltModel>;
  /** Reads the user's files (HF folder or .gguf) by byte range; returns what buildGraphFromUrl does. */
  buildGraphFromFiles?(files: ModelFile[], build: GraphBuildRequest, ctx: BuildContext): Promise<BuiltModel>;
  post(response: EngineResponse, transfer: ArrayBuffer[]): void;
  now?: () => number;
  /** Bytes every session may hold together until a load request sets it (default: no limit). */
  sessionBudgetBytes?: number;
}

/** One client's side of the handler: request ids are this connection's own. */
export interface EngineConnection {
  /** Resolves when the request has been answered (queued kinds wait their turn). */
  handle(request: EngineRequest): Promise<void>;
}

export interface EngineHandler extends EngineConnection {
  /** `handle` is the first connection, answering on deps.post. Another client: its requests answered on `post`, in a request-id space of its own. */
  connect(post: EngineHandlerDeps['post']): EngineConnection;
  /** The cached sessions (least recently used first), their ONNX bytes and the budget. */
  sessionStats(): { keys: string[]; totalBytes: number; budgetBytes: number };
}

const NLL_OUTPUT = 'nll';
const REQUIRED_INPUTS = ['input_ids', 'cos', 'sin'] as const;

class AbortError extends Error {
  override name = 'AbortError';
}

/** Without an explicit session budget, the sessions may hold this share of the build's run budget (the run needs the rest). */
export const SESSION_SHARE_OF_RUN_BUDGET = 0.5;

export function createEngineHandler(deps: EngineHandlerDeps): EngineHandler {
  const now = deps.now ?? (() => performance.now());
  const sessions = createSessionCache<RuntimeSession>(deps.sessionBudgetBytes ?? Infinity);
  // How to rebuild each session its clients still hold (loads minus disposes): an evicted one is
  // rebuilt transparently on its next run. 'graph' sources are not kept (their bytes are the weight).
  const recipes = new Map<string, { source: ModelSource; device: DeviceRequest; holders: number }>();
  // Ids below are the handler's own (one space for every connection); `routes` maps each live
  // one back to its connection and the id that connection gave it.
  const cancelled = new Set<number>();
  const routes = new Map<number, { post: EngineHandlerDeps['post']; requestId: number }>();
  let nextInternalId = 1;
  // The NLL of recent runs (runMemo.ts): a perplexity window the diagnostics already ran costs no pass.
  const runMemo = createRunMemo<DeviceReport>();
  let queue: Promise<void> = Promise.resolve();

  const send = (response: EngineResponse): void => {
    const route = routes.get(response.requestId);
    if (!route) return; // the request is finished: nothing more goes out under its id
    const out: EngineResponse = { ...response, requestId: route.requestId };
    route.post(out, transferablesOf(out));
  };

  const throwIfCancelled = (requestId: number): void => {
    // The message names the id its connection gave the request.
    if (cancelled.has(requestId)) throw new AbortError(`request ${routes.get(requestId)?.requestId ?? requestId} was cancelled`);
  };

  /** Builds the graph of `source` and creates its session (not yet cached). */
  async function createFrom(requestId: number, source: ModelSource, device: DeviceRequest): Promise<{ session: RuntimeSession; sizeBytes: number }> {
    throwIfCancelled(requestId);
    // Asked before the build so a buffer above the adapter's limits is refused before any tensor is read.
    const gpuLimits = device !== 'wasm' && deps.runtime.gpuLimits ? await deps.runtime.gpuLimits(device) : null;
    const deviceFacts = deps.runtime.deviceFacts ? await deps.runtime.deviceFacts(device) : undefined;
    const ctx: BuildContext = {
      onProgress: (stage, fraction, message) => send({ kind: 'progress', requestId, stage, fraction, message }),
      throwIfCancelled: () => throwIfCancelled(requestId),
      gpuLimits,
      ...(deviceFacts ? { deviceFacts } : {}),
    };
    let built: BuiltModel;
    switch (source.kind) {
      case 'graph':
        built = source.graphBytes;
        break;
      case 'hf-url':
        built = await deps.buildGraphFromUrl(source.baseUrl, source.build, ctx);
        break;
      case 'files':
        if (!deps.buildGraphFromFiles) throw new Error('this engine cannot read local model files (no file graph builder wired)');
        built = await deps.buildGraphFromFiles(source.files, source.build, ctx);
        break;
      default: {
        const unreachable: never = source;
        throw new Error(`unknown model source ${JSON.stringify(unreachable)}`);
      }
    }
    throwIfCancelled(requestId);
    if (!(built instanceof Uint8Array)) return createLayered(requestId, built, device);
    const graphBytes = built;
    send({ kind: 'progress', requestId, stage: 'create-session', message: `${graphBytes.length} model bytes on '${device}'` });
    const session = await deps.runtime.createSession(graphBytes, device);
    const missing = REQUIRED_INPUTS.filter((name) => !session.inputNames.includes(name));
    if (missing.length > 0 || !session.outputNames.includes(NLL_OUTPUT)) {
      await session.release();
      throw new Error(
        `model inputs [${session.inputNames.join(', ')}] / outputs [${session.outputNames.join(', ')}] lack ${[...missing, NLL_OUTPUT].join(', ')}`,
      );
    }
    if (cancelled.has(requestId)) {
      await session.release();
      throwIfCancelled(requestId);
    }
    return { session, sizeBytes: graphBytes.length };
  }

  /**
   * A layered session (workers/engine/layeredSession.ts) over the build's weight source, with a
   * layer cache of its own: its LRU size is what it holds between runs — the resident embedding /
   * LM head plus the cache's budget — so the session budget counts it honestly (the group being run
   * is transient, priced by the plan's peak, not held).
   */
  async function createLayered(requestId: number, built: LayeredBuild, device: DeviceRequest): Promise<{ session: RuntimeSession; sizeBytes: number }> {
    const cache = createLayerWeightCache<FedDecoderLayerWeights>(built.layerCacheBytes);
    let headBytes = 0;
    const source = {
      ...built.source,
      async loadHead() {
        const head = await built.source.loadHead();
        headBytes = head.embedTokens.byteLength + head.finalNorm.byteLength + (head.lmHead === head.embedTokens ? 0 : head.lmHead.byteLength);
        return head;
      },
    };
    send({
      kind: 'progress',
      requestId,
      stage: 'create-session',
      message: `layer-streamed on '${device}': ${built.options.layerGroupSize} layer(s) per group, ${formatBytes(built.layerCacheBytes)} layer cache, estimated peak ${formatBytes(built.peakBytesEstimate)}`,
    });
    const inner = await createLayeredSession(deps.runtime, device, source, built.options, cache);
    const session: RuntimeSession = {
      inputNames: inner.inputNames,
      outputNames: inner.outputNames,
      // Read at each use: after a run it carries that run's hand-off report.
      get device() {
        return inner.device;
      },
      run: (feeds, wanted, control) => inner.run(feeds, wanted, control),
      async release() {
        await inner.release();
        cache.clear(); // the cache is this session's alone: its layers go with it
      },
    };
    if (cancelled.has(requestId)) {
      await session.release();
      throwIfCancelled(requestId);
    }
    return { session, sizeBytes: headBytes + built.layerCacheBytes };
  }

  /**
   * Answers a run of a window this session already ran (the run memo) and returns true; false when
   * it must run. Only for a session still held: a disposed key is an error, as without the memo.
   */
  function answerFromMemo(request: Extract<EngineRequest, { kind: 'run' }>): boolean {
    const { requestId, sessionKey, ids, cos, sin, wantTaps } = request;
    if (wantTaps || request.fresh === true || !(recipes.has(sessionKey) || sessions.get(sessionKey) !== undefined)) return false;
    const remembered = runMemo.lookup(sessionKey, ids, cos, sin);
    if (!remembered) return false;
    send({ kind: 'progress', requestId, stage: 'run', message: `${ids.length} tokens: this window already ran on this session; its NLL is reused` });
    send({ kind: 'result', requestId, nll: remembered.nll, device: remembered.meta, elapsedMs: 0, reused: true });
    return true;
  }

  /** A load of a session the LRU holds, under the same budget: answered at once, not queued. */
  function answerFromCache(request: Extract<EngineRequest, { kind: 'load-model' }>): boolean {
    const budget = sessionBudgetOf(request);
    if (budget !== undefined && budget !== sessions.budgetBytes) return false;
    const existing = sessions.get(request.sessionKey);
    if (!existing) return false;
    answerLoaded(request, existing, true, now(), []);
    return true;
  }

  function sessionBudgetOf({ source, sessionBudgetBytes }: Extract<EngineRequest, { kind: 'load-model' }>): number | undefined {
    return (
      sessionBudgetBytes ??
      (source.kind !== 'graph' && source.build.memoryBudgetBytes !== undefined ? SESSION_SHARE_OF_RUN_BUDGET * source.build.memoryBudgetBytes : undefined)
    );
  }

  function hold({ sessionKey, source, device }: Extract<EngineRequest, { kind: 'load-model' }>): void {
    if (source.kind === 'graph') return;
    const recipe = recipes.get(sessionKey);
    if (recipe) recipe.holders += 1;
    else recipes.set(sessionKey, { source, device, holders: 1 });
  }

  /** Holds the recipe and answers a load with `session`, new (`cached` false) or from the LRU. */
  function answerLoaded(
    request: Extract<EngineRequest, { kind: 'load-model' }>,
    session: RuntimeSession,
    cached: boolean,
    startMs: number,
    evicted: string[],
  ): void {
    hold(request);
    send({
      kind: 'loaded',
      requestId: request.requestId,
      sessionKey: request.sessionKey,
      device: session.device,
      inputNames: [...session.inputNames],
      outputNames: [...session.outputNames],
      cached,
      elapsedMs: now() - startMs,
      evicted,
    });
  }

  async function loadModel(request: Extract<EngineRequest, { kind: 'load-model' }>): Promise<void> {
    const { requestId, sessionKey, source, device } = request;
    const startMs = now();
    const budget = sessionBudgetOf(request);
    const evicted = budget !== undefined && budget !== sessions.budgetBytes ? await sessions.setBudget(budget) : [];
    const existing = sessions.get(sessionKey);
    if (existing) return answerLoaded(request, existing, true, startMs, evicted);
    const { session, sizeBytes } = await createFrom(requestId, source, device);
    evicted.push(...(await sessions.put(sessionKey, session, sizeBytes)));
    answerLoaded(request, session, false, startMs, evicted);
  }

  /** The session of `sessionKey`, rebuilt from its recipe when the LRU released it. */
  async function sessionFor(requestId: number, sessionKey: string): Promise<RuntimeSession> {
    const cached = sessions.get(sessionKey);
    if (cached) return cached;
    const recipe = recipes.get(sessionKey);
    if (!recipe) throw new Error(`no session '${sessionKey}' is loaded (loaded: [${sessions.keys().join(', ')}])`);
    send({
      kind: 'progress',
      requestId,
      stage: 'build-graph',
      message: `rebuilding '${sessionKey}' (released earlier to stay within the ${sessions.budgetBytes}-byte session budget)`,
    });
    const { session, sizeBytes } = await createFrom(requestId, recipe.source, recipe.device);
    await sessions.put(sessionKey, session, sizeBytes);
    return session;
  }

  async function run(request: Extract<EngineRequest, { kind: 'run' }>): Promise<void> {
    const { requestId, sessionKey, ids, cos, sin, headDim, wantTaps } = request;
    throwIfCancelled(requestId);
    const tokenCount = ids.length;
    if (tokenCount < 2) throw new Error(`run needs at least 2 tokens, got ids [${tokenCount}]`);
    if (!Number.isInteger(headDim) || headDim <= 0) throw new Error(`headDim must be a positive integer, got ${headDim}`);
    if (cos.length !== tokenCount * headDim || sin.length !== tokenCount * headDim) {
      throw new Error(`cos/sin must be [T=${tokenCount}, headDim=${headDim}] = ${tokenCount * headDim} floats, got cos ${cos.length}, sin ${sin.length}`);
    }
    if (answerFromMemo(request)) return;
    const session = await sessionFor(requestId, sessionKey);
    const ids64 = new BigInt64Array(tokenCount);
    for (let t = 0; t < tokenCount; t++) ids64[t] = BigInt(ids[t]);
    const feeds: Record<string, FeedTensor> = {
      input_ids: { type: 'int64', data: ids64, dims: [1, tokenCount] },
      cos: { type: 'float32', data: cos, dims: [tokenCount, headDim] },
      sin: { type: 'float32', data: sin, dims: [tokenCount, headDim] },
    };
    const tapNames = wantTaps ? session.outputNames.filter((name) => name !== NLL_OUTPUT) : [];
    send({ kind: 'progress', requestId, stage: 'run', message: `${tokenCount} tokens on ${session.device.used}` });
    const startMs = now();
    // A layer-streamed session checks for a cancel between its layer groups.
    const outputs = await session.run(feeds, [NLL_OUTPUT, ...tapNames], { throwIfCancelled: () => throwIfCancelled(requestId) });
    const elapsedMs = now() - startMs;
    throwIfCancelled(requestId);
    const nll = outputs[NLL_OUTPUT].data;
    if (nll.length !== tokenCount - 1) {
      throw new Error(`output nll has ${nll.length} values (dims [${outputs[NLL_OUTPUT].dims.join(', ')}]), expected T − 1 = ${tokenCount - 1}`);
    }
    runMemo.remember(sessionKey, ids, cos, sin, nll, session.device);
    const taps = wantTaps ? Object.fromEntries(tapNames.map((name) => [name, outputs[name]])) : undefined;
    send({ kind: 'result', requestId, nll, ...(taps ? { taps } : {}), device: session.device, elapsedMs });
  }

  async function tokenize(request: Extract<EngineRequest, { kind: 'tokenize' }>): Promise<void> {
    throwIfCancelled(request.requestId);
    // The stream, not the raw ids: the tokenizer's own BOS/EOS rule applies (SPEC: token stream).
    const ids = encodeTokenStream(createTokenizer(request.tokenizer), request.text);
    send({ kind: 'tokens', requestId: request.requestId, ids });
  }

  async function dispose(request: Extract<EngineRequest, { kind: 'dispose' }>): Promise<void> {
    const key = request.sessionKey;
    if (key === undefined) {
      recipes.clear();
      runMemo.clear();
      await sessions.clear();
    } else {
      // A session loaded by several clients stays until the last of them disposes it.
      const recipe = recipes.get(key);
      if (recipe && recipe.holders > 1) recipe.holders -= 1;
      else {
        recipes.delete(key);
        await sessions.delete(key);
      }
    }
    send({ kind: 'disposed', requestId: request.requestId });
  }

  function enqueue(requestId: number, work: () => Promise<void>): Promise<void> {
    const next = queue.then(async () => {
      try {
        await work();
      } catch (err) {
        send({ kind: 'error', requestId, error: toWireError(err) });
      } finally {
        cancelled.delete(requestId);
      }
    });
    queue = next;
    return next;
  }

  /** `request` with the handler's own id, queued (cancel acts at once). */
  function dispatch(request: EngineRequest): Promise<void> {
    switch (request.kind) {
      // What costs no engine work is answered at once, not behind the queue's loads and runs: a
      // perplexity curve whose window the diagnostics already ran waited ~0.3 s for the noise
      // floor's session load otherwise.
      case 'load-model':
        if (!cancelled.has(request.requestId) && answerFromCache(request)) return Promise.resolve();
        return enqueue(request.requestId, () => loadModel(request));
      case 'run':
        if (!cancelled.has(request.requestId) && answerFromMemo(request)) return Promise.resolve();
        return enqueue(request.requestId, () => run(request));
      case 'dispose':
        return enqueue(request.requestId, () => dispose(request));
      case 'tokenize':
        return enqueue(request.requestId, () => tokenize(request));
      case 'cancel':
        cancelled.add(request.targetRequestId);
        return Promise.resolve();
      default: {
        const unreachable: never = request;
        return Promise.reject(new Error(`unknown engine request ${JSON.stringify(unreachable)}`));
      }
    }
  }

  function connect(post: EngineHandlerDeps['post']): EngineConnection {
    // This connection's live requests: its id → the handler's.
    const live = new Map<number, number>();
    return {
      handle(request) {
        if (request.kind === 'cancel') {
          const target = live.get(request.targetRequestId);
          // A request already answered (or never sent here) has nothing to cancel.
          if (target !== undefined) cancelled.add(target);
          return Promise.resolve();
        }
        const internalId = nextInternalId++;
        live.set(request.requestId, internalId);
        routes.set(internalId, { post, requestId: request.requestId });
        const done = (): void => {
          live.delete(request.requestId);
          routes.delete(internalId);
        };
        return dispatch({ ...request, requestId: internalId }).then(done, (err: unknown) => {
          done();
          throw err;
        });
      },
    };
  }

  const first = connect(deps.post);
  return {
    sessionStats: () => ({ keys: sessions.keys(), totalBytes: sessions.totalBytes, budgetBytes: sessions.budgetBytes }),
    handle: (request) => first.handle(request),
    connect,
  };
}
