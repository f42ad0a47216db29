import { describe, expect, it } from 'vitest';
import { FALLBACK_BUDGET_BYTES, memoryBudgetFor } from './weightsBudget';

describe('memoryBudgetFor', () => {
  it('is 60% of the reported GB, or 2 GiB when unknown', () => {
    expect(memoryBudgetFor(8).budgetBytes).toBe(Math.floor(0.6 * 8 * 1024 ** 3));
    expect(memoryBudgetFor(8).rule).toMatch(/60% of the 8 GB/);
    expect(memoryBudgetFor(undefined)).toEqual({ budgetBytes: FALLBACK_BUDGET_BYTES, rule: expect.stringMatching(/2 GiB/) });
    expect(memoryBudgetFor(0).budgetBytes).toBe(2 * 1024 ** 3);
  });
});
