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
