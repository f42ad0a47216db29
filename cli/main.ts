/**
 * `bandscope <command> [flags]` — the Node command line over lib/ (cli/README.md).
 *
 * Commands are discovered, not registered: `bandscope foo` imports ./commands/foo.ts and calls its
 * `run(argv)`, so a new command is one new file. Exit status: 0 ok, 2 usage / user-facing error
 * (one line on stderr), 1 unexpected error (one line; stack with BANDSCOPE_DEBUG=1).
 */
import { readdirSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { isUserFacingError, oneLine, UsageError } from './errors';

/** What every cli/commands/<name>.ts exports. */
export interface CommandModule {
  run(argv: string[]): Promise<void>;
}

const COMMANDS_DIR = new URL('./commands/', import.meta.url);
const COMMAND_NAME = /^[a-z][a-z0-9-]*$/;

/** Names of the commands found in cli/commands/ (foo.ts, not foo.test.ts), sorted. */
export function listCommands(): string[] {
  let entries: string[];
  try {
    entries = readdirSync(fileURLToPath(COMMANDS_DIR));
  } catch {
    return [];
  }
  return entries
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts') && !f.endsWith('.d.ts'))
    .map((f) => f.slice(0, -3))
    .filter((n) => COMMAND_NAME.test(n))
    .sort();
}

function usage(commands: string[]): string {
  return `usage: bandscope <command> [flags]   (commands: ${commands.length ? commands.join(', ') : 'none found'})`;
}

async function loadCommand(name: string): Promise<CommandModule> {
  const commands = listCommands();
  if (!COMMAND_NAME.test(name) || !commands.includes(name)) {
    throw new UsageError(`unknown command '${name}' (commands: ${commands.join(', ') || 'none found'})`);
  }
  const mod = (await import(new URL(`${name}.ts`, COMMANDS_DIR).href)) as Partial<CommandModule>;
  if (typeof mod.run !== 'function') throw new Error(`cli/commands/${name}.ts does not export run(argv)`);
  return mod as CommandModule;
}

/** Runs one command line (argv without node and script) and returns the exit status. */
export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    const text = usage(listCommands());
    if (name === undefined) {
      process.stderr.write(`bandscope: ${text}\n`);
      return 2;
    }
    process.stdout.write(`${text}\n`);
    return 0;
  }
  try {
    const command = await loadCommand(name);
    await command.run(rest);
    return 0;
  } catch (err) {
    if (isUserFacingError(err)) {
      process.stderr.write(`bandscope: ${oneLine(err)}\n`);
      return 2;
    }
    if (process.env.BANDSCOPE_DEBUG === '1' && err instanceof Error && err.stack) {
      process.stderr.write(`bandscope: internal error: ${err.stack}\n`);
    } else {
      process.stderr.write(`bandscope: internal error: ${oneLine(err)} (set BANDSCOPE_DEBUG=1 for the stack)\n`);
    }
    return 1;
  }
}

// Entry point when run directly (`tsx cli/main.ts`); bin.mjs imports main() instead.
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = await main(process.argv.slice(2));
}
