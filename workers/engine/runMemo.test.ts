import { describe, expect, it } from 'vitest';
import { createRunMemo } from './runMemo';

const inputs = (shift = 0) => ({
  ids: Int32Array.from([1, 2, 3]),
  cos: Float32Array.from([0.5, 1, 1.5 + shift]),
  sin: Float32Array.from([0, -1, 2]),
});

describe('run memo', () => {
  it('finds a run only by the same session key and element-wise equal inputs, and hands out copies', () => {
    const memo = createRunMemo<string>();
    const a = inputs();
    const nll = Float32Array.from([0.25, 0.5]);
    memo.remember('s1', a.ids, a.cos, a.sin, nll, 'wasm');
    nll[0] = 9;
    a.cos[0] = 9; // the memo kept its own copies
    const b = inputs();
    const hit = memo.lookup('s1', b.ids, b.cos, b.sin);
    expect(hit && Array.from(hit.nll)).toEqual([0.25, 0.5]);
    expect(hit?.meta).toBe('wasm');
    hit!.nll[1] = 7;
    expect(Array.from(memo.lookup('s1', b.ids, b.cos, b.sin)!.nll)).toEqual([0.25, 0.5]);
    expect(memo.lookup('s2', b.ids, b.cos, b.sin)).toBeNull();
    const c = inputs(1e-6);
    expect(memo.lookup('s1', c.ids, c.cos, c.sin)).toBeNull();
    expect(memo.lookup('s1', b.ids.subarray(0, 2), b.cos, b.sin)).toBeNull();
  });

  it('keeps at most `capacity` entries, dropping the least recently used', () => {
    const memo = createRunMemo<null>(2);
    const x = inputs();
    memo.remember('a', x.ids, x.cos, x.sin, Float32Array.of(1), null);
    memo.remember('b', x.ids, x.cos, x.sin, Float32Array.of(2), null);
    expect(memo.lookup('a', x.ids, x.cos, x.sin)).not.toBeNull(); // a is now the most recent
    memo.remember('c', x.ids, x.cos, x.sin, Float32Array.of(3), null);
    expect(memo.size).toBe(2);
    expect(memo.lookup('b', x.ids, x.cos, x.sin)).toBeNull();
    expect(memo.lookup('a', x.ids, x.cos, x.sin)).not.toBeNull();
    memo.clear();
    expect(memo.size).toBe(0);
  });
});
