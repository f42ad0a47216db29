/**
 * The decoder weights of recent builds (after Q-ROAR scaling, RTN or float16 rounding), kept by
 * model identity and weight options, so graphs that differ only in T, taps or KV quant — the
 * dashboard builds one per context group of a dynamic-NTK curve, and the diagnostics more — do
 * not quantize the same model again. Bounded by bytes, least recently used evicted first; a set
 * larger than the whole budget is not kept (a research-size model is assembled per build).
 *
 * Held weights are shared between graph builds: lib/onnx's builder only reads them.
 */
import type { DecoderWeights } from '../../lib/onnx/weights';

/** Default budget: three assembled copies of the built-in model (about 17 MB each) with room to spare. */
export const WEIGHTS_MEMO_BUDGET_BYTES = 96 * 1024 * 1024;

export interface WeightsMemo {
  /** The held weights under `key`, or `make()`'s, held when they fit; a failed make is not held. */
  weights(key: string, make: () => Promise<DecoderWeights>): Promise<DecoderWeights>;
  keys(): string[];
  readonly totalBytes: number;
}

/** Bytes of every distinct typed array in `w` (a tied head shares the embedding's array). */
export function decoderWeightsBytes(w: DecoderWeights): number {
  const seen = new Set<ArrayBufferView>();
  const add = (a: ArrayBufferView | undefined) => {
    if (a) seen.add(a);
  };
  add(w.embedTokens);
  add(w.lmHead);
  add(w.finalNorm);
  for (const layer of w.layers) {
    for (const value of Object.values(layer) as unknown[]) {
      if (ArrayBuffer.isView(value)) add(value);
      else if (value && typeof value === 'object') for (const part of Object.values(value) as unknown[]) if (ArrayBuffer.isView(part)) add(part);
    }
  }
  let total = 0;
  for (const a of seen) total += a.byteLength;
  return total;
}

export function createWeightsMemo(budgetBytes = WEIGHTS_MEMO_BUDGET_BYTES): WeightsMemo {
  const entries = new Map<string, { weights: DecoderWeights; sizeBytes: number }>();
  const pending = new Map<string, Promise<DecoderWeights>>();
  let total = 0;
  return {
    async weights(key, make) {
      const held = entries.get(key);
      if (held) {
        // Re-insert: Map order is insertion order, so the first entry is the least recently used.
        entries.delete(key);
        entries.set(key, held);
        return held.weights;
      }
      const inFlight = pending.get(key);
      if (inFlight) return inFlight;
      const made = make();
      pending.set(key, made);
      try {
        const weights = await made;
        const sizeBytes = decoderWeightsBytes(weights);
        if (sizeBytes <= budgetBytes) {
          for (const [k, e] of entries) {
            if (total + sizeBytes <= budgetBytes) break;
            entries.delete(k);
            total -= e.sizeBytes;
          }
          entries.set(key, { weights, sizeBytes });
          total += sizeBytes;
        }
        return weights;
      } finally {
        pending.delete(key);
      }
    },
    keys: () => [...entries.keys()],
    get totalBytes() {
      return total;
    },
  };
}
