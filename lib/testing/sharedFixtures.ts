/**
 * Real checkpoints other people trained (the team's `../shared/fixtures`, beside the repository).
 * A user's clone has no such folder: tests that need it skip with a message saying so, and are
 * never the only test of a feature.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** Absolute path of `../shared/fixtures` next to the repository root. */
export const SHARED_FIXTURES_DIR = resolve(import.meta.dirname, '..', '..', '..', 'shared', 'fixtures');

/** Path of a file under the shared fixtures, or undefined when the folder or file is absent. */
export function sharedFixture(...parts: string[]): string | undefined {
  const path = join(SHARED_FIXTURES_DIR, ...parts);
  return existsSync(path) ? path : undefined;
}

/** The message a skipped test prints, naming the missing path. */
export function fixtureSkipMessage(...parts: string[]): string {
  return `skipped: ${join(SHARED_FIXTURES_DIR, ...parts)} is absent (the team's ../shared/fixtures; a user's clone has none)`;
}
