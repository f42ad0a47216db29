/**
 * Type-7 quantiles in the upper tail, streamed: the rule (lib/diagnostics/stats.ts) interpolates
 * the order statistics x₍lo₎ and x₍lo+1₎ (ascending, 0-based, lo = ⌊(n−1)p⌋), which are the two
 * smallest of the m = n − lo largest values. A min-heap of those m values finds them in one pass
 * with one comparison for almost every value (against the heap's minimum), and needs no copy of
 * the input. At p = 0.999 on the built-in model's 2048-token taps m is 6–133 out of 4 096–131 072
 * values per slice. Exactly the same numbers as selecting (lib/diagnostics/select.ts) or sorting.
 */
import type { QuantileLevel } from './stats';

/** Above this many kept values a heap stops paying off; callers select instead (quantileInPlace). */
export const TAIL_HEAP_MAX_KEPT = 4096;

/** Values kept (m = n − ⌊(n−1)p⌋) for the type-7 quantile at `level` of n values. */
export function tailKeptCount(n: number, level: QuantileLevel): number {
  const p = level === 'max' ? 1 : level;
  if (!(p >= 0 && p <= 1)) throw new Error(`tailKeptCount: level must be in [0,1] or 'max', got ${level}`);
  if (!(Number.isInteger(n) && n >= 1)) throw new Error(`tailKeptCount: need n ≥ 1 values, got ${n}`);
  return n - Math.floor((n - 1) * p);
}

/**
 * The `n` values to come, offered one by one (any order, no NaN), give their type-7 quantile at
 * `level` (same units as the values); memory O(tailKeptCount(n, level)). `push` returns the floor:
 * a value ≤ it can no longer change the result, so a caller may skip offering it — hot loops keep
 * the floor in a local and call `push` only for values above it.
 */
export class TailQuantile {
  private readonly heap: Float64Array;
  private size = 0;
  private readonly h: number;
  private readonly lo: number;

  constructor(
    private readonly n: number,
    level: QuantileLevel,
  ) {
    this.heap = new Float64Array(tailKeptCount(n, level));
    this.h = (n - 1) * (level === 'max' ? 1 : level);
    this.lo = Math.floor(this.h);
  }

  /** Offers `v`; returns the floor (−∞ until `kept` values were offered, then the smallest kept). */
  push(v: number): number {
    const heap = this.heap;
    if (this.size < heap.length) {
      // Sift up.
      let i = this.size++;
      while (i > 0) {
        const parent = (i - 1) >> 1;
        if (heap[parent] <= v) break;
        heap[i] = heap[parent];
        i = parent;
      }
      heap[i] = v;
      return this.size === heap.length ? heap[0] : -Infinity;
    }
    if (!(v > heap[0])) return heap[0];
    // Replace the minimum and sift down.
    const size = this.size;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= size) break;
      const right = left + 1;
      const child = right < size && heap[right] < heap[left] ? right : left;
      if (heap[child] >= v) break;
      heap[i] = heap[child];
      i = child;
    }
    heap[i] = v;
    return heap[0];
  }

  /** The quantile of the `n` values offered (those skipped below the floor included). */
  value(): number {
    const heap = this.heap;
    if (this.size < heap.length) throw new Error(`TailQuantile: expected ${this.n} values, got fewer than ${heap.length}`);
    const xLo = heap[0];
    if (this.lo >= this.n - 1) return xLo;
    // The next order statistic is the heap's second smallest: the smaller child of the root.
    const xHi = this.size > 2 && heap[2] < heap[1] ? heap[2] : heap[1];
    return xLo + (this.h - this.lo) * (xHi - xLo);
  }
}
