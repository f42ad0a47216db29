/**
 * The engine worker's sessions, least recently used first, bounded by bytes: every session of the
 * worker shares one budget. A session's size is its ONNX bytes (weights dominate them, and the
 * runtime holds one copy of each initializer); a layered session's is what it holds between runs
 * (resident embedding/head + its layer cache budget; handler.ts createLayered). Putting a session evicts — releases — the least
 * recently used others until the total fits; one session larger than the budget is kept alone.
 */
export interface Releasable {
  release(): Promise<void>;
}

export interface SessionCache<S extends Releasable> {
  /** The session under `key`, now the most recently used; undefined when absent. */
  get(key: string): S | undefined;
  /** Adds (or replaces) `key` and returns the keys it evicted, already released. */
  put(key: string, session: S, sizeBytes: number): Promise<string[]>;
  /** Releases and forgets one session; false when there was none. */
  delete(key: string): Promise<boolean>;
  /** Releases every session. */
  clear(): Promise<void>;
  /** Changes the budget (bytes ≥ 0, Infinity = none); evicts down to it and returns the evicted keys. */
  setBudget(budgetBytes: number): Promise<string[]>;
  keys(): string[];
  readonly totalBytes: number;
  readonly budgetBytes: number;
}

export function createSessionCache<S extends Releasable>(budgetBytes = Infinity): SessionCache<S> {
  // Map iteration order is insertion order: re-inserting on use keeps it least-recent first.
  const entries = new Map<string, { session: S; sizeBytes: number }>();
  let total = 0;
  let budget = budgetBytes;

  const evict = async (keep?: string): Promise<string[]> => {
    const evicted: string[] = [];
    for (const [key, entry] of entries) {
      if (total <= budget) break;
      if (key === keep) continue;
      entries.delete(key);
      total -= entry.sizeBytes;
      evicted.push(key);
      await entry.session.release();
    }
    return evicted;
  };

  const remove = async (key: string): Promise<boolean> => {
    const entry = entries.get(key);
    if (!entry) return false;
    entries.delete(key);
    total -= entry.sizeBytes;
    await entry.session.release();
    return true;
  };

  return {
    get(key) {
      const entry = entries.get(key);
      if (!entry) return undefined;
      entries.delete(key);
      entries.set(key, entry);
      return entry.session;
    },
    async put(key, session, sizeBytes) {
      if (!(sizeBytes >= 0)) throw new Error(`session '${key}': size must be ≥ 0 bytes, got ${sizeBytes}`);
      await remove(key);
      entries.set(key, { session, sizeBytes });
      total += sizeBytes;
      return evict(key);
    },
    delete: remove,
    async clear() {
      for (const key of [...entries.keys()]) await remove(key);
    },
    async setBudget(bytes) {
      if (!(bytes >= 0)) throw new Error(`session budget must be ≥ 0 bytes, got ${bytes}`);
      budget = bytes;
      return evict();
    },
    keys: () => [...entries.keys()],
    get totalBytes() {
      return total;
    },
    get budgetBytes() {
      return budget;
    },
  };
}
