import { describe, expect, it } from 'vitest';
import { measurementCandidateEquivalents, searchEtaMs } from './searchEta';

describe('searchEtaMs', () => {
  it('is null before the first candidate, then mean × (left + measurement graphs)', () => {
    expect(searchEtaMs([], 33)).toBeNull();
    expect(searchEtaMs([1000, 3000], 33)).toBe((33 - 2 + 6) * 2000);
    // dev before/after ≈ 2 candidates; 4 test curves × 16 windows at 2 windows per candidate = 32.
    expect(measurementCandidateEquivalents(2, 16)).toBe(34);
    expect(searchEtaMs([1000, 3000], 33, 34)).toBe((33 - 2 + 34) * 2000);
  });
});
