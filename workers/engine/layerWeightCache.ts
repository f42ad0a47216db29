/**
 * The layer-streamed engine's weight store: every group of every layered session reads its layers
 * through one of these, so the bytes of decoder weights alive at once are counted in one place.
 * Entries are kept between runs only within `budgetBytes`, evicting least recently used first —
 * but never an entry already used in the current pass: a forward pass walks layers 0…N−1 in
 * order every window, and under that cyclic access a plain LRU smaller than the model evicts each
 * layer just before it is needed again (no hits at all). Protecting the pass keeps the first
 * layers that fit resident and streams the rest, the best a cache can do for a cycle.
 * Layers in use by the running group are counted whether kept or not (`inUseBytes`), and
 * `peakBytes` is the most ever alive at once (kept + in use and not kept).
 */

export interface LayerWeightCache<T> {
  /**
   * The value of `key`: kept → returned; else `load()` (value and its bytes), kept when it fits.
   * Marks it in use until `release(key)`.
   */
  acquire(key: string, load: () => Promise<{ value: T; bytes: number }>): Promise<T>;
  release(key: string): void;
  /** Starts a forward pass: entries used from now on are not evicted until the next pass. */
  beginPass(): void;
  /** Drops every kept entry not in use now. */
  clear(): void;
  /** Whether `key` is kept (a later acquire of it loads nothing). */
  isKept(key: string): boolean;
  readonly budgetBytes: number;
  /** Bytes kept between runs. */
  readonly keptBytes: number;
  /** Bytes in use now that are not kept (streamed). */
  readonly streamingBytes: number;
  /** Most bytes alive at once since creation: kept + streaming. */
  readonly peakBytes: number;
  /** How many loads ran (misses). */
  readonly loads: number;
}

interface Entry<T> {
  value: T;
  bytes: number;
  pass: number;
}

export function createLayerWeightCache<T>(budgetBytes: number): LayerWeightCache<T> {
  if (!(budgetBytes >= 0)) throw new Error(`layer weight cache budget must be ≥ 0 bytes, got ${budgetBytes}`);
  const kept = new Map<string, Entry<T>>(); // insertion order = least recently used first
  const streaming = new Map<string, { value: T; bytes: number; users: number }>();
  const users = new Map<string, number>();
  let keptBytes = 0;
  let streamingBytes = 0;
  let peakBytes = 0;
  let loads = 0;
  let pass = 0;
  const notePeak = () => {
    peakBytes = Math.max(peakBytes, keptBytes + streamingBytes);
  };

  /** Frees room for `bytes` by evicting entries not used this pass and not in use; false when it cannot. */
  const makeRoom = (bytes: number): boolean => {
    if (bytes > budgetBytes) return false;
    let free = budgetBytes - keptBytes;
    if (free >= bytes) return true;
    const victims: string[] = [];
    for (const [key, e] of kept) {
      if (free >= bytes) break;
      if (e.pass === pass || (users.get(key) ?? 0) > 0) continue;
      victims.push(key);
      free += e.bytes;
    }
    if (free < bytes) return false;
    for (const key of victims) {
      keptBytes -= kept.get(key)!.bytes;
      kept.delete(key);
    }
    return true;
  };

  return {
    async acquire(key, load) {
      users.set(key, (users.get(key) ?? 0) + 1);
      const hit = kept.get(key);
      if (hit) {
        kept.delete(key);
        hit.pass = pass;
        kept.set(key, hit);
        return hit.value;
      }
      const s = streaming.get(key);
      if (s) {
        s.users += 1;
        return s.value;
      }
      let loaded: { value: T; bytes: number };
      try {
        loaded = await load();
      } catch (err) {
        users.set(key, users.get(key)! - 1);
        throw err;
      }
      loads += 1;
      if (makeRoom(loaded.bytes)) {
        kept.set(key, { value: loaded.value, bytes: loaded.bytes, pass });
        keptBytes += loaded.bytes;
      } else {
        streaming.set(key, { ...loaded, users: 1 });
        streamingBytes += loaded.bytes;
      }
      notePeak();
      return loaded.value;
    },
    release(key) {
      const n = (users.get(key) ?? 0) - 1;
      if (n > 0) users.set(key, n);
      else users.delete(key);
      const s = streaming.get(key);
      if (s && --s.users === 0) {
        streaming.delete(key);
        streamingBytes -= s.bytes;
      }
    },
    beginPass() {
      pass += 1;
    },
    clear() {
      for (const [key, e] of kept) {
        if ((users.get(key) ?? 0) > 0) continue;
        kept.delete(key);
        keptBytes -= e.bytes;
      }
    },
    isKept: (key) => kept.has(key),
    budgetBytes,
    get keptBytes() {
      return keptBytes;
    },
    get streamingBytes() {
      return streamingBytes;
    },
    get peakBytes() {
      return peakBytes;
    },
    get loads() {
      return loads;
    },
  };
}
