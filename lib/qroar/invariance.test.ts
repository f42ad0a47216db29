import { describe, expect, it } from 'vitest';
import { objectiveInvariantReason } from './invariance';

describe('objectiveInvariantReason', () => {
  it('only symmetric with row-local weights and unquantized keys is a no-op', () => {
    expect(objectiveInvariantReason('symmetric', { weightsRowLocal: true, keysQuantized: false })).toMatch(/cannot change the objective.*g = 1 for every band/);
    expect(objectiveInvariantReason('symmetric', { weightsRowLocal: true, keysQuantized: true })).toBeNull();
    expect(objectiveInvariantReason('symmetric', { weightsRowLocal: false, keysQuantized: false })).toBeNull();
    expect(objectiveInvariantReason('shared', { weightsRowLocal: true, keysQuantized: false })).toBeNull();
    expect(objectiveInvariantReason('query-only', { weightsRowLocal: true, keysQuantized: false })).toBeNull();
  });
});
