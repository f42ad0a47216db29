/**
 * Float32 tensors read from a model, kept by the model's identity (lib/model's header hash) so the
 * engine's many graph builds (full precision, quantized, Q-ROAR, taps, logits) read and decode each
 * weight once. Holds one model: opening another identity drops the previous one, bounding memory
 * at one float32 copy of the weights.
 *
 * Cached arrays are shared between builds: consumers must not write to them (assembleDecoderWeights
 * copies before Q-ROAR scaling, and RTN writes to new arrays).
 */
export interface TensorCache {
  /**
   * The tensor `hfName` of the model `identity`: the cached promise, or `read()`'s, cached.
   * A failed read is forgotten so a retry reads again.
   */
  tensorF32(identity: string, hfName: string, read: () => Promise<Float32Array>): Promise<Float32Array>;
  /** How many tensors are held (for tests and progress messages). */
  readonly size: number;
}

export function createTensorCache(): TensorCache {
  let heldIdentity: string | null = null;
  let tensors = new Map<string, Promise<Float32Array>>();
  return {
    tensorF32(identity, hfName, read) {
      if (identity !== heldIdentity) {
        heldIdentity = identity;
        tensors = new Map();
      }
      const held = tensors.get(hfName);
      if (held) return held;
      const map = tensors;
      const pending = read();
      map.set(hfName, pending);
      pending.catch(() => {
        if (map.get(hfName) === pending) map.delete(hfName);
      });
      return pending;
    },
    get size() {
      return tensors.size;
    },
  };
}
