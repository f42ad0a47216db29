import { describe, expect, it } from 'vitest';
import { createSessionCache } from './sessionCache';

function fake(name: string, log: string[]) {
  return { name, release: async () => void log.push(name) };
}

describe('createSessionCache', () => {
  it('evicts least recently used sessions until the bytes fit, releasing them', async () => {
    const log: string[] = [];
    const cache = createSessionCache<ReturnType<typeof fake>>(100);
    expect(await cache.put('a', fake('a', log), 40)).toEqual([]);
    expect(await cache.put('b', fake('b', log), 40)).toEqual([]);
    cache.get('a'); // a is now more recent than b
    expect(await cache.put('c', fake('c', log), 40)).toEqual(['b']);
    expect(log).toEqual(['b']);
    expect(cache.keys()).toEqual(['a', 'c']);
    expect(cache.totalBytes).toBe(80);
  });

  it('keeps one session larger than the budget alone; lowering the budget evicts', async () => {
    const log: string[] = [];
    const cache = createSessionCache<ReturnType<typeof fake>>(100);
    await cache.put('a', fake('a', log), 30);
    expect(await cache.put('big', fake('big', log), 150)).toEqual(['a']);
    expect(cache.keys()).toEqual(['big']);
    expect(await cache.setBudget(10)).toEqual(['big']);
    expect(cache.totalBytes).toBe(0);
  });

  it('replacing a key releases the old session; delete and clear release', async () => {
    const log: string[] = [];
    const cache = createSessionCache<ReturnType<typeof fake>>();
    await cache.put('a', fake('a1', log), 10);
    await cache.put('a', fake('a2', log), 20);
    expect(log).toEqual(['a1']);
    expect(cache.totalBytes).toBe(20);
    await cache.put('b', fake('b', log), 5);
    expect(await cache.delete('a')).toBe(true);
    expect(await cache.delete('a')).toBe(false);
    await cache.clear();
    expect(log).toEqual(['a1', 'a2', 'b']);
    expect(cache.keys()).toEqual([]);
  });
});
