/**
 * The page's memory budget for holding a model's weights as float32: 60 % of
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

/**
 * Copies of the float32 weights alive at the peak of a worker load: the assembled arrays, the
 * serialized ONNX bytes that embed them, and the runtime session's own copy.
 */
export const PEAK_WEIGHT_COPIES = 3;

/** Peak bytes of a worker load from lib/model estimateLoadBytes (float32 weights + largest raw read). */
export function peakLoadBytes(estimatedLoadBytes: number): number {
  return PEAK_WEIGHT_COPIES * estimatedLoadBytes;
}
