import { describe, expect, it } from 'vitest';
import { measurementCandidateEquivalents, searchEtaMs } from './searchEta';

describe('searchEtaMs', () => {
  it('is null before the first candidate, then mean × (left + measurement graphs)', () => {
    expect(searchEtaMs([], 33)).toBeNull();
    expect(searchEtaMs([1000, 3000], 33)).toBe((33 - 2 + 6) * 2000);
    // A candidate ≈ 4 L′-windows (2 long + the guard's short windows over the same tokens); the
    // measurement: dev before/after 2 × 2, test 4 curves × 16 → (4 + 64) / 4 = 17.
    expect(measurementCandidateEquivalents(2, 16)).toBe(17);
    expect(searchEtaMs([1000, 3000], 33, 17)).toBe((33 - 2 + 17) * 2000);
  });
});
