/**
 * The page's memory budget for one run (its peak, lib/model/runBudget.ts): 60 % of
 * navigator.deviceMemory (GB, as the browser reports it) or 2 GiB when the browser does not say.
 */
const GIB = 1024 * 1024 * 1024;
export const BUDGET_FRACTION_OF_DEVICE_MEMORY = 0.6;
export const FALLBACK_BUDGET_BYTES = 2 * GIB;

export interface MemoryBudget {
  budgetBytes: number;
  /** How the number was chosen, for the UI. */
  rule: string;
}

/** Budget from navigator.deviceMemory in GB (undefined/invalid → 2 GiB fallback). */
export function memoryBudgetFor(deviceMemoryGb: number | undefined): MemoryBudget {
  if (deviceMemoryGb === undefined || !Number.isFinite(deviceMemoryGb) || deviceMemoryGb <= 0) {
    return { budgetBytes: FALLBACK_BUDGET_BYTES, rule: '2 GiB (the browser does not report its memory)' };
  }
  return {
    budgetBytes: Math.floor(BUDGET_FRACTION_OF_DEVICE_MEMORY * deviceMemoryGb * GIB),
    rule: `60% of the ${deviceMemoryGb} GB the browser reports (navigator.deviceMemory)`,
  };
}
