/**
 * The worker's graph source: HF folder → (optional RTN) → lib/onnx LLaMA graph bytes.
 * Kept apart from handler.ts so the handler stays runtime- and format-agnostic.
 */
import { buildLlamaGraph } from '../../lib/onnx/llamaGraph';
import type { BuildContext } from './handler';
import type { FetchLike } from './hfFolder';
import { loadHfFolder } from './hfFolder';
import type { GraphBuildRequest } from './protocol';

export function createUrlGraphBuilder(fetchFn: FetchLike) {
  return async function buildGraphFromUrl(baseUrl: string, build: GraphBuildRequest, ctx: BuildContext): Promise<Uint8Array> {
    const model = await loadHfFolder(
      fetchFn,
      baseUrl,
      { quant: build.quant, ...(build.quantFormat ? { quantFormat: build.quantFormat } : {}) },
      (fraction, message) => ctx.onProgress('fetch', fraction, message),
      ctx.throwIfCancelled,
    );
    ctx.throwIfCancelled();
    ctx.onProgress('build-graph', 0, `${model.spec.numLayers} layers, T = ${build.seqLen}${build.quant ? `, ${build.quant}` : ''}`);
    const graph = buildLlamaGraph(model.spec, model.weights, {
      seqLen: build.seqLen,
      ...(build.tapLayers ? { tapLayers: build.tapLayers } : {}),
      ...(build.logits ? { logits: true } : {}),
    });
    ctx.onProgress('build-graph', 1);
    return graph.modelBytes;
  };
}
