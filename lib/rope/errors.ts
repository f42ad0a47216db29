/**
 * A RoPE setting that cannot be used as given (unknown rope type, non-positive factor, a head_dim
 * that does not divide, a band partition that misses a pair, ...). The message is written for a
 * person. `userFacing = true` tells the CLI (cli/README.md) to print it as one line and exit 2,
 * and tells the UI it may show the message as is.
 */
export class RopeConfigError extends Error {
  readonly userFacing = true;
  constructor(message: string) {
    super(message);
    this.name = 'RopeConfigError';
  }
}
