/**
 * Refusing a run up front with its numbers: the peak from lib/model/runBudget.ts against the memory
 * available and why that much (device memory, a CLI flag, a fraction of the machine's RAM), and on
 * WebGPU the adapter's buffer limits.
 */
import { formatBytes } from '../format/bytes';
import type { RtnOptions } from '../quant/rtn';
import { BudgetExceededError } from './errors';
import { PROTOBUF_LIMIT_BYTES, type RunBudget, type WeightPrecision } from './runBudget';

export interface MemoryAvailable {
  budgetBytes: number;
  /** Why this budget, for the message: e.g. '60% of the 8 GB navigator.deviceMemory reports'. */
  reason: string;
  /** WebGPU adapter limits when the run goes to WebGPU (bytes). */
  gpuLimits?: { maxBufferSize: number; maxStorageBufferBindingSize: number };
}

/** The scenario's weight precision from an RTN setting (absent = float32) and its format. */
export function weightPrecisionOf(rtn: RtnOptions | undefined, format: 'fake' | 'nbits' = 'fake'): WeightPrecision {
  return rtn ? { kind: 'rtn', bits: rtn.bits, groupSize: rtn.groupSize, symmetric: rtn.symmetric, format } : { kind: 'float32' };
}

/**
 * Throws BudgetExceededError (user-facing, one line) when the run cannot be made (`budget.refusal`,
 * e.g. the 2 GiB protobuf limit), when its peak exceeds `available.budgetBytes`, or when its largest
 * single buffer exceeds the WebGPU limits. `what` names the run, e.g. 'eval at 4096 tokens'.
 */
export function assertRunFits(budget: RunBudget, available: MemoryAvailable, what: string): void {
  if (budget.refusal !== null) {
    throw new BudgetExceededError(`${what} cannot run: ${budget.refusal}`, budget.largestProtobufBytes, PROTOBUF_LIMIT_BYTES);
  }
  // The largest item the run itself needs (the fixed runtime allowance says nothing about the model).
  const top = [...budget.items].filter((i) => i.key !== 'runtime').sort((a, b) => b.bytes - a.bytes)[0];
  if (budget.peakBytes > available.budgetBytes) {
    throw new BudgetExceededError(
      `${what} needs ${formatBytes(budget.peakBytes)} at peak (${budget.peakBytes} bytes; ${budget.engine} engine, largest item: ${top.label} ${formatBytes(top.bytes)}), available ${formatBytes(available.budgetBytes)} (${available.budgetBytes} bytes): ${available.reason}`,
      budget.peakBytes,
      available.budgetBytes,
    );
  }
  const gpu = available.gpuLimits;
  if (gpu) {
    const [limitName, limit] =
      gpu.maxStorageBufferBindingSize < gpu.maxBufferSize
        ? ['maxStorageBufferBindingSize', gpu.maxStorageBufferBindingSize]
        : ['maxBufferSize', gpu.maxBufferSize];
    if (budget.largestBufferBytes > limit) {
      throw new BudgetExceededError(
        `${what} needs one ${formatBytes(budget.largestBufferBytes)} buffer (${budget.largestBufferName}, ${budget.largestBufferBytes} bytes), above this WebGPU adapter's ${limitName} of ${formatBytes(limit)} (${limit} bytes)`,
        budget.largestBufferBytes,
        limit,
      );
    }
  }
}
