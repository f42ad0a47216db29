import { BudgetExceededError, ModelFormatError } from './errors';

export interface TensorSizeInfo {
  name: string;
  shape: number[];
  /** Bytes the tensor takes in its file (read transiently before conversion). */
  sizeBytes: number;
  /** Other names that read this same stored tensor (lib/model ModelTensor.aliases). */
  aliases?: string[];
}

/**
 * Peak bytes to hold the named tensors as float32 (4 bytes/element, all at once) plus the
 * largest single raw read in flight while converting one of them. A stored tensor named twice
 * (by its name and an alias) counts once: callers cache by the stored name.
 */
export function estimateLoadBytes(model: { tensors: TensorSizeInfo[] }, tensorNames: string[]): number {
  const byName = new Map<string, TensorSizeInfo>();
  for (const t of model.tensors) {
    byName.set(t.name, t);
    for (const alias of t.aliases ?? []) byName.set(alias, t);
  }
  const counted = new Set<TensorSizeInfo>();
  let f32Bytes = 0;
  let largestRaw = 0;
  for (const name of tensorNames) {
    const t = byName.get(name);
    if (!t) throw new ModelFormatError(`no tensor named ${name} in the model`);
    if (counted.has(t)) continue;
    counted.add(t);
    f32Bytes += 4 * t.shape.reduce((a, b) => a * b, 1);
    largestRaw = Math.max(largestRaw, t.sizeBytes);
  }
  return f32Bytes + largestRaw;
}

const MB = 1024 * 1024;

/** Throws BudgetExceededError "needs X MB, budget Y MB" when neededBytes > budgetBytes. */
export function assertWithinBudget(neededBytes: number, budgetBytes: number): void {
  if (neededBytes > budgetBytes) {
    throw new BudgetExceededError(
      `needs ${(neededBytes / MB).toFixed(1)} MB, budget ${(budgetBytes / MB).toFixed(1)} MB (${neededBytes} > ${budgetBytes} bytes)`,
      neededBytes,
      budgetBytes,
    );
  }
}
