/**
 * Test-only: the built-in model and the page's two workers as the analysis-job tests need them —
 * the page's engine client (in-process engine worker, onnxruntime-node standing in for ORT-web,
 * the built-in folder read by HTTP ranges), the in-process analysis worker joined to it by a real
 * MessageChannel (hooks/engineClient getJobAnalysisClient), and, when asked, a second, separate
 * engine worker for references (no shared sessions or run memo).
 */
import { join } from 'node:path';
import { createUrlGraphBuilder } from '../../engine/buildGraph';
import { createEngineClient, type EngineClient } from '../../engine/client';
import type { JobModelSource } from '../../engine/jobModel';
import type { ModelSpec } from '../../../lib/model/spec';
import { diskFetch } from '../../engine/testing/diskFetch';
import { createInProcessWorker } from '../../engine/testing/inProcessWorker';
import { createOrtNodeRuntime } from '../../runtime/ort-node';
import { createAnalysisClient, type AnalysisClient } from '../client';
import { createInProcessAnalysisWorker } from './inProcessAnalysisWorker';

const ROOT = join(import.meta.dirname, '..', '..', '..');

/** The page's model for the built-in folder (`spec`: its config), as hooks/useModelInfo has it (`tokenizer` when given). */
export function builtinPageModel(spec: ModelSpec, identity: string, tokenizer?: JobModelSource['tokenizer']): JobModelSource {
  return {
    id: 'builtin:bandscope-byte-4m',
    identity,
    rope: spec.rope,
    trainedWindow: { windowTokens: 256 },
    spec,
    label: 'built-in',
    baseUrl: '/models/bandscope-byte-4m/',
    files: null,
    memoryBudgetBytes: 2 ** 31,
    memoryBudgetReason: 'test budget',
    ...(tokenizer !== undefined ? { tokenizer } : {}),
  };
}

/**
 * The analysis worker's last answer other than progress, once it has one (polled every 50 ms, up to
 * 30 s): how a test sees that a job the page stopped waiting for has ended, and how.
 */
export async function lastJobAnswer(analysisWorker: ReturnType<typeof createInProcessAnalysisWorker>): Promise<unknown> {
  for (let i = 0; i < 600; i++) {
    const last = analysisWorker.responses.at(-1);
    if (last && last.kind !== 'job-progress') return last;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('the cancelled job never ended');
}

export interface JobWorkers {
  pageEngine: EngineClient;
  analysisWorker: ReturnType<typeof createInProcessAnalysisWorker>;
  analysis: AnalysisClient;
  /** A second engine worker over the same runtime, or null when not asked for. */
  referenceEngine: EngineClient | null;
  /** Terminates every worker and closes the channel (an open port keeps Node's event loop alive). */
  close(): void;
}

export function connectedJobWorkers(options: { reference?: boolean } = {}): JobWorkers {
  const runtime = createOrtNodeRuntime({ intraOpNumThreads: 2 });
  const graphs = createUrlGraphBuilder(diskFetch(join(ROOT, 'public')));
  const pageEngine = createEngineClient(() => createInProcessWorker(runtime, graphs));
  const analysisWorker = createInProcessAnalysisWorker();
  const analysis = createAnalysisClient(() => analysisWorker);
  const channel = new MessageChannel();
  pageEngine.connect(channel.port1);
  analysis.connectEngine(channel.port2);
  const referenceEngine = options.reference ? createEngineClient(() => createInProcessWorker(runtime, graphs)) : null;
  return {
    pageEngine,
    analysisWorker,
    analysis,
    referenceEngine,
    close() {
      analysis.terminate();
      pageEngine.terminate();
      referenceEngine?.terminate();
      channel.port1.close();
    },
  };
}
