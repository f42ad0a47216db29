/**
 * A child process run with its wall time and its tree's peak resident memory, and the reading of
 * a `bandscope eval --json` run's outcome (success, a one-line refusal, or a failure).
 */
import { spawn } from 'node:child_process';
import { startTreeRssPoller } from './rssPoller';
import type { OursRun } from './table';

export interface ChildResult {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** Spawn to exit, seconds. */
  wallSeconds: number;
  /** Largest summed VmRSS of the child and its descendants, bytes. */
  peakRssBytes: number;
}

/** Runs `command args` in `cwd`, sampling its process tree's RSS every `pollMs`; resolves on exit. */
export function runChild(command: string, args: readonly string[], cwd: string, pollMs = 100): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(command, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    if (child.pid === undefined) {
      child.on('error', reject);
      return;
    }
    const poller = startTreeRssPoller(child.pid, pollMs);
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
    child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
    child.on('error', reject);
    child.on('close', (exitCode, signal) => {
      const { peakBytes } = poller.stop();
      resolve({ exitCode, signal, stdout, stderr, wallSeconds: (performance.now() - started) / 1000, peakRssBytes: peakBytes });
    });
  });
}

/** The last non-empty line of a text (what the CLI prints on an error is one line). */
export function lastLine(text: string): string {
  const lines = text.split('\n').map((l) => l.trim()).filter((l) => l !== '');
  return lines.at(-1) ?? '';
}

/**
 * What an `eval --json --windows 1 --contexts C` child did: exit 0 → its contexts[0] NLL and
 * forward tokens/s; exit 2 → refused with the stderr line (the CLI's user-facing error, e.g. the
 * budget refusal); anything else → failed with the last stderr line.
 */
export function evalOutcome(r: ChildResult): OursRun {
  const base = { wallSeconds: r.wallSeconds, peakRssBytes: r.peakRssBytes };
  if (r.exitCode === 2) return { kind: 'refused', line: lastLine(r.stderr), ...base };
  if (r.exitCode !== 0) return { kind: 'failed', line: lastLine(r.stderr) || `killed by ${r.signal ?? 'unknown'}`, exitCode: r.exitCode, ...base };
  let report: { contexts?: Array<{ nll?: unknown; tokensPerSecond?: unknown }> };
  try {
    report = JSON.parse(r.stdout) as typeof report;
  } catch {
    return { kind: 'failed', line: `eval exited 0 but stdout is not one JSON object: ${lastLine(r.stdout).slice(0, 200)}`, exitCode: 0, ...base };
  }
  const first = report.contexts?.[0];
  if (typeof first?.nll !== 'number' || typeof first.tokensPerSecond !== 'number') {
    return { kind: 'failed', line: 'eval --json gave no contexts[0].nll / tokensPerSecond', exitCode: 0, ...base };
  }
  return { kind: 'ok', nll: first.nll, forwardTokensPerSecond: first.tokensPerSecond, ...base };
}
