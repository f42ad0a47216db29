/**
 * A problem with what the user asked to evaluate (text too short for a window, bad context):
 * `userFacing = true` makes the CLI print it as one line with exit status 2 (cli/README.md).
 */
export class EvalInputError extends Error {
  readonly userFacing = true;
  constructor(message: string) {
    super(message);
    this.name = 'EvalInputError';
  }
}
