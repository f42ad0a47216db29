/**
 * Messages between the main thread (client.ts) and the analysis worker (handler.ts): taps from
 * engine runs in, SPEC §4 diagnostics and the Q-ROAR slider proxy out, so the page never blocks
 * on the math. Discriminated on `kind`; responses echo `requestId`; tap buffers are transferred
 * (the sender's arrays are detached afterwards — send copies if you still need them).
 *
 * Requests:
 * - `diagnostics`: DiagnosticsInput (lib/scenario/diagnosticsCompute) → DiagnosticsResult (TIR
 *   layer × band and per pair for q/k pre/post-RoPE, logit error by distance and by query
 *   position, KL per position). With `proxySetupId` and a quantized run, the same post-RoPE taps
 *   also become a proxy setup under that id — one set of engine runs feeds charts and sliders.
 * - `proxy-setup`: post-RoPE q/k taps of every tapped layer from the FP and quantized runs at L′
 *   (same PI), plus geometry (heads, kvHeads, headDim, rotaryDim, layout, bands) and the pair
 *   sampler (pairCount, seed) → `proxy-ready`. Replaces any setup with the same id.
 * - `proxy-eval`: band scales g [bands] + variant → `proxy-value` {rms, perLayer, layers}: pooled
 *   RMS logit error (logit units) over samples × heads × layers, and per layer (lib/qroar
 *   createLogitProxy: per-layer, first-order; the real objective confirms any choice).
 * - `proxy-drop`: forget a setup. `cancel`: drop a queued request (answered with AbortError).
 */
import type { QroarVariant } from '../../lib/qroar/transform';
import type { DiagnosticsInput, DiagnosticsResult } from '../../lib/scenario/diagnosticsCompute';
import type { ProxyEvaluation, ProxySetupInput } from '../../lib/scenario/diagnosticsProxy';

export type AnalysisRequest =
  | { kind: 'diagnostics'; requestId: number; input: DiagnosticsInput; proxySetupId?: string }
  | { kind: 'proxy-setup'; requestId: number; setupId: string; input: ProxySetupInput }
  | { kind: 'proxy-eval'; requestId: number; setupId: string; bandScales: number[]; variant: QroarVariant }
  | { kind: 'proxy-drop'; requestId: number; setupId: string }
  | { kind: 'cancel'; requestId: number; targetRequestId: number };

export interface AnalysisWireError {
  name: string;
  message: string;
}

export type AnalysisResponse =
  | { kind: 'diagnostics-result'; requestId: number; result: DiagnosticsResult; elapsedMs: number; proxySetupId: string | null }
  | { kind: 'proxy-ready'; requestId: number; setupId: string; bandCount: number; layers: number[]; elapsedMs: number }
  | { kind: 'proxy-value'; requestId: number; setupId: string; value: ProxyEvaluation; elapsedMs: number }
  | { kind: 'dropped'; requestId: number }
  | { kind: 'error'; requestId: number; error: AnalysisWireError };

function buffersOfTaps(set: Record<string, Float32Array> | null | undefined, out: ArrayBuffer[]): void {
  for (const t of Object.values(set ?? {})) out.push(t.buffer as ArrayBuffer);
}

/** Buffers of a request that can be transferred (deduplicated; SharedArrayBuffers skipped). */
export function analysisRequestTransferables(request: AnalysisRequest): ArrayBuffer[] {
  const out: ArrayBuffer[] = [];
  if (request.kind === 'diagnostics') {
    const i = request.input;
    buffersOfTaps(i.longFp, out);
    buffersOfTaps(i.shortFp, out);
    buffersOfTaps(i.longQuant, out);
    buffersOfTaps(i.longQroar, out);
    if (i.qroarLogits) out.push(i.qroarLogits.buffer as ArrayBuffer);
    if (i.fpLogits) out.push(i.fpLogits.buffer as ArrayBuffer);
    if (i.quantLogits) out.push(i.quantLogits.buffer as ArrayBuffer);
    buffersOfTaps(i.longFloor, out);
    if (i.floorLogits) out.push(i.floorLogits.buffer as ArrayBuffer);
  } else if (request.kind === 'proxy-setup') {
    for (const l of request.input.layers) out.push(...([l.refQ.buffer, l.refK.buffer, l.quantQ.buffer, l.quantK.buffer] as ArrayBuffer[]));
  }
  return [...new Set(out)].filter((b) => b instanceof ArrayBuffer);
}

export function toAnalysisWireError(err: unknown): AnalysisWireError {
  if (err instanceof Error) return { name: err.name, message: err.message };
  return { name: 'Error', message: String(err) };
}
