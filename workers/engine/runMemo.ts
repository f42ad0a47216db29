/**
 * The per-token NLL of recent runs, by session key and exact inputs, so a run that asks only for
 * the NLL of a window another job already ran on the same session gets it without a second
 * forward pass. The default view's perplexity curve at L′ is exactly the diagnostics' tapped run
 * on the held-out text (same graph — lib/scenario/sharedOutputs — same first tokens, same RoPE
 * tables): two 2048-token passes, ~1.7 s on two WASM threads. A session key names every build
 * field that changes the graph (lib/scenario/key engineSessionKey) and a session's output is a
 * deterministic function of its inputs, so equal key + equal inputs is the same NLL. Inputs are
 * compared element by element, never by a hash. Taps are not kept (38 MiB at 2048 on the
 * built-in model): a run that wants taps runs.
 */

interface RunMemoEntry<Meta> {
  sessionKey: string;
  ids: Int32Array;
  cos: Float32Array;
  sin: Float32Array;
  /** Per-token NLL [T − 1], the memo's own copy (the one sent is transferred). */
  nll: Float32Array;
  /** What the caller keeps beside the NLL (the worker: the device report of the run). */
  meta: Meta;
}

export interface RunMemo<Meta> {
  /** The NLL (a fresh copy) and meta of an earlier run of `sessionKey` on exactly these inputs, or null. */
  lookup(sessionKey: string, ids: Int32Array, cos: Float32Array, sin: Float32Array): { nll: Float32Array; meta: Meta } | null;
  /** Keeps copies of the inputs and the NLL; the least recently used entry leaves past `capacity`. */
  remember(sessionKey: string, ids: Int32Array, cos: Float32Array, sin: Float32Array, nll: Float32Array, meta: Meta): void;
  clear(): void;
  readonly size: number;
}

function sameValues(a: ArrayLike<number>, b: ArrayLike<number>): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * `capacity` entries; each holds ids [T], cos/sin [T, headDim] and nll [T − 1] (at T = 2048,
 * headDim 64: ~1 MiB), so the default 8 stay under ~10 MiB.
 */
export function createRunMemo<Meta>(capacity = 8): RunMemo<Meta> {
  const entries: Array<RunMemoEntry<Meta>> = [];
  return {
    lookup(sessionKey, ids, cos, sin) {
      const i = entries.findIndex((e) => e.sessionKey === sessionKey && sameValues(e.ids, ids) && sameValues(e.cos, cos) && sameValues(e.sin, sin));
      if (i < 0) return null;
      const [hit] = entries.splice(i, 1);
      entries.push(hit);
      return { nll: hit.nll.slice(), meta: hit.meta };
    },
    remember(sessionKey, ids, cos, sin, nll, meta) {
      if (capacity <= 0) return;
      entries.push({ sessionKey, ids: ids.slice(), cos: cos.slice(), sin: sin.slice(), nll: nll.slice(), meta });
      while (entries.length > capacity) entries.shift();
    },
    clear() {
      entries.length = 0;
    },
    get size() {
      return entries.length;
    },
  };
}
