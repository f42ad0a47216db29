import { describe, expect, it } from 'vitest';
import { tolerance, TOLERANCES } from './tolerances';

describe('tolerances table', () => {
  it('every entry is a positive number with a reason', () => {
    for (const [comparison, { what, values }] of Object.entries(TOLERANCES)) {
      expect(what.length, comparison).toBeGreaterThan(20);
      for (const byProvider of Object.values(values)) {
        for (const entry of Object.values(byProvider ?? {})) {
          expect(entry!.value, comparison).toBeGreaterThan(0);
          expect(entry!.why.length, comparison).toBeGreaterThan(40);
        }
      }
    }
  });

  it('looks values up by dtype and provider, and refuses a combination without one', () => {
    expect(tolerance('per-token-nll', 'float32', 'cpu')).toBe(1e-4);
    expect(tolerance('per-token-nll', 'float32', 'webgpu')).toBe(1e-2);
    expect(tolerance('per-token-nll', 'nbits4', 'cpu')).toBe(1e-3);
    expect(() => tolerance('per-token-nll', 'nbits4', 'webgpu')).toThrow(/No tolerance for per-token-nll at nbits4 on webgpu/);
  });

  it('a provider further from the reference never gets a tighter bound', () => {
    for (const c of ['per-token-nll', 'mean-nll'] as const) {
      expect(tolerance(c, 'float32', 'cpu')).toBeLessThanOrEqual(tolerance(c, 'float32', 'wasm'));
      expect(tolerance(c, 'float32', 'wasm')).toBeLessThanOrEqual(tolerance(c, 'float32', 'webgpu'));
    }
  });
});
