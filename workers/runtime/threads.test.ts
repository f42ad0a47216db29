import { describe, expect, it } from 'vitest';
import { MAX_WASM_THREADS, wasmThreadsFor } from './threads';

describe('wasmThreadsFor', () => {
  it('uses the cores up to 8 under cross-origin isolation, 1 without, 2 when unknown', () => {
    expect(wasmThreadsFor(2, true)).toBe(2);
    expect(wasmThreadsFor(6, true)).toBe(6);
    expect(wasmThreadsFor(64, true)).toBe(MAX_WASM_THREADS);
    expect(wasmThreadsFor(16, false)).toBe(1);
    expect(wasmThreadsFor(undefined, true)).toBe(2);
    expect(wasmThreadsFor(0, true)).toBe(2);
  });
});
