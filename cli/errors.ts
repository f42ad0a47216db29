/**
 * Error conventions of the `bandscope` CLI (cli/README.md).
 *
 * main.ts prints `bandscope: <message>` as ONE line on stderr and exits 2 for a UsageError and for
 * any error object carrying `userFacing = true` (lib/ error classes such as RopeConfigError opt in
 * that way, so lib/ never has to import from cli/). Anything else is a bug: one line, exit 1, stack
 * only with BANDSCOPE_DEBUG=1.
 */

/** A mistake in how the command was called or in the files it was given. Exit status 2. */
export class UsageError extends Error {
  readonly userFacing = true;
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** True for errors whose message is meant for the person at the terminal (exit 2, no stack). */
export function isUserFacingError(err: unknown): err is Error {
  if (err instanceof UsageError) return true;
  return typeof err === 'object' && err !== null && (err as { userFacing?: unknown }).userFacing === true;
}

/** The first line of an error's message, so the CLI never prints more than one line. */
export function oneLine(err: unknown): string {
  const raw = err instanceof Error ? err.message : String(err);
  const line = raw.split(/\r?\n/).find((l) => l.trim() !== '') ?? (err instanceof Error ? err.name : 'error');
  return line.trim();
}
