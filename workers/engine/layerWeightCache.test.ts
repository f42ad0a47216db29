import { describe, expect, it } from 'vitest';
import { createLayerWeightCache } from './layerWeightCache';

const load = (bytes: number, calls: string[], key: string) => async () => {
  calls.push(key);
  return { value: key, bytes };
};

async function pass(cache: ReturnType<typeof createLayerWeightCache<string>>, layers: number, calls: string[]): Promise<void> {
  cache.beginPass();
  for (let l = 0; l < layers; l++) {
    await cache.acquire(`L${l}`, load(10, calls, `L${l}`));
    cache.release(`L${l}`);
  }
}

describe('createLayerWeightCache', () => {
  it('budget 0: every pass streams every layer, and never more than the one in use is alive', async () => {
    const cache = createLayerWeightCache<string>(0);
    const calls: string[] = [];
    await pass(cache, 4, calls);
    await pass(cache, 4, calls);
    expect(calls.length).toBe(8);
    expect(cache.peakBytes).toBe(10);
    expect(cache.keptBytes + cache.streamingBytes).toBe(0);
  });

  it('a cycle longer than the budget keeps the first layers that fit (a plain LRU would hit nothing)', async () => {
    const cache = createLayerWeightCache<string>(25);
    const calls: string[] = [];
    await pass(cache, 4, calls);
    calls.length = 0;
    await pass(cache, 4, calls);
    expect(calls).toEqual(['L2', 'L3']);
    expect(cache.keptBytes).toBe(20);
    expect(cache.peakBytes).toBe(30);
  });

  it('entries of an earlier pass not used in this one are evicted least recently used first', async () => {
    const cache = createLayerWeightCache<string>(20);
    const calls: string[] = [];
    await pass(cache, 2, calls); // L0, L1 kept
    cache.beginPass();
    await cache.acquire('other', load(10, calls, 'other'));
    cache.release('other');
    await cache.acquire('L1', load(10, calls, 'L1'));
    cache.release('L1');
    expect(calls).toEqual(['L0', 'L1', 'other']); // L0 made room for 'other'; L1 still kept
    expect(cache.keptBytes).toBe(20);
  });

  it('isKept tells a kept entry from a streamed or unknown one', async () => {
    const cache = createLayerWeightCache<string>(15);
    const calls: string[] = [];
    await pass(cache, 2, calls);
    expect([cache.isKept('L0'), cache.isKept('L1'), cache.isKept('L9')]).toEqual([true, false, false]);
  });

  it('a failed load is not counted and can be retried', async () => {
    const cache = createLayerWeightCache<string>(100);
    await expect(cache.acquire('x', () => Promise.reject(new Error('disk')))).rejects.toThrow('disk');
    expect(await cache.acquire('x', async () => ({ value: 'ok', bytes: 5 }))).toBe('ok');
    expect(cache.loads).toBe(1);
  });
});
