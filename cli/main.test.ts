import { describe, expect, it } from 'vitest';
import { isUserFacingError, oneLine, UsageError } from './errors';
import { listCommands } from './main';
import { runCli } from './testing/spawnCli';

const cli = (args: string[]) => runCli(args);

describe('error convention', () => {
  it('UsageError and any userFacing error are user-facing; plain errors are not', () => {
    class LoaderError extends Error {
      readonly userFacing = true;
    }
    expect(isUserFacingError(new UsageError('x'))).toBe(true);
    expect(isUserFacingError(new LoaderError('x'))).toBe(true);
    expect(isUserFacingError(new Error('x'))).toBe(false);
    expect(isUserFacingError({ userFacing: 'yes' })).toBe(false);
    expect(isUserFacingError(null)).toBe(false);
  });
  it('oneLine keeps the first non-empty line', () => {
    expect(oneLine(new Error('\nfirst\nsecond'))).toBe('first');
    expect(oneLine('plain')).toBe('plain');
  });
});

describe('dispatch', () => {
  it('finds commands in cli/commands, not their tests', () => {
    const commands = listCommands();
    expect(commands).toContain('rope');
    expect(commands.some((c) => c.endsWith('.test'))).toBe(false);
  });
  it('unknown command: one line listing commands, exit 2', async () => {
    const r = await cli(['frobnicate']);
    expect(r.code).toBe(2);
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^bandscope: unknown command 'frobnicate' \(commands: .*rope.*\)/);
  });
  it('a path-like command name is refused, not imported', async () => {
    const r = await cli(['../main']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/unknown command/);
  });
  it('no command: usage on stderr, exit 2; --help: usage on stdout, exit 0', async () => {
    const none = await cli([]);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/^bandscope: usage: bandscope <command>/);
    const help = await cli(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/rope/);
  });
});
