import { describe, expect, it } from 'vitest';
import { evaluationContexts, windowsForContext } from './contexts';

describe('evaluationContexts', () => {
  it('L = 256, L′ = 1024 → 64 … 1024 by doubling', () => {
    expect(evaluationContexts(256, 1024)).toEqual([64, 128, 256, 512, 1024]);
  });
  it('a target that is not a power of two is kept as the last point', () => {
    expect(evaluationContexts(256, 1500)).toEqual([64, 128, 256, 512, 1024, 1500]);
    expect(evaluationContexts(100, 300)).toEqual([32, 64, 128, 256, 300]);
  });
  it('windows per context follow the token budget, at least one', () => {
    expect(windowsForContext(64, 2048)).toBe(32);
    expect(windowsForContext(4096, 2048)).toBe(1);
    expect(windowsForContext(64, 2048, 4)).toBe(4);
  });
});
