import { describe, expect, it } from 'vitest';
import { stackLayersAsHeads } from './stackHeads';

describe('stackLayersAsHeads', () => {
  it('puts layer l head h at head l·heads + h, token-major', () => {
    // tokens 2, heads 2, headDim 1: value = 100·layer + 10·token + head
    const mk = (l: number) => Float32Array.from([0, 1, 10, 11].map((v) => v + 100 * l));
    const out = stackLayersAsHeads([mk(0), mk(1)], 2, 2, 1);
    expect(Array.from(out)).toEqual([0, 1, 100, 101, 10, 11, 110, 111]);
  });
  it('refuses a tensor of the wrong size, naming the dims', () => {
    expect(() => stackLayersAsHeads([new Float32Array(3)], 2, 2, 1)).toThrow(/\[2, 2, 1\]/);
  });
});
