/**
 * Errors a person can act on: a file that is not what it claims, or a request
 * that does not fit the memory budget. `userFacing` tells the CLI/UI to print
 * the message as one line instead of a stack trace.
 */
export class ModelFormatError extends Error {
  readonly userFacing = true;
  constructor(message: string) {
    super(message);
    this.name = 'ModelFormatError';
  }
}

export class BudgetExceededError extends Error {
  readonly userFacing = true;
  constructor(
    message: string,
    readonly neededBytes: number,
    readonly budgetBytes: number,
  ) {
    super(message);
    this.name = 'BudgetExceededError';
  }
}

/**
 * A context longer than the model's sliding attention window: the engine has full causal
 * attention only, which equals the model's own attention for contexts ≤ the window.
 */
export class ContextBeyondWindowError extends Error {
  readonly userFacing = true;
  constructor(
    readonly contextTokens: number,
    readonly slidingWindowTokens: number,
  ) {
    super(
      `a context of ${contextTokens} tokens is longer than this model's sliding attention window of ${slidingWindowTokens} tokens; ` +
        `Bandscope's engine has full causal attention only (no sliding window), which matches the model up to its window: evaluate contexts ≤ ${slidingWindowTokens} tokens`,
    );
    this.name = 'ContextBeyondWindowError';
  }
}

/** Throws ContextBeyondWindowError when `contextTokens` exceeds spec.slidingWindowTokens. */
export function assertContextWithinWindow(spec: { slidingWindowTokens?: number }, contextTokens: number): void {
  if (spec.slidingWindowTokens !== undefined && contextTokens > spec.slidingWindowTokens)
    throw new ContextBeyondWindowError(contextTokens, spec.slidingWindowTokens);
}
