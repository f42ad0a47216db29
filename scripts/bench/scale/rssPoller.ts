/**
 * Peak resident memory of a process tree (a child and all its descendants), sampled from Linux
 * /proc: every `intervalMs` the tree is rebuilt from each process's parent id (/proc/<pid>/stat)
 * and the VmRSS lines (/proc/<pid>/status) of its members are summed; the peak is the largest sum.
 * Sampling misses spikes shorter than the interval, so it is a lower bound on the true peak.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** VmRSS of a /proc/<pid>/status text in bytes (the file gives kB = 1024 bytes); undefined when the line is absent (a kernel thread, a zombie). */
export function parseVmRssBytes(statusText: string): number | undefined {
  const m = /^VmRSS:\s*(\d+)\s*kB\s*$/m.exec(statusText);
  return m ? Number(m[1]) * 1024 : undefined;
}

/**
 * Parent pid from a /proc/<pid>/stat line: `pid (comm) state ppid …`. comm may itself hold
 * spaces and parentheses, so fields are counted after the LAST ')'.
 */
export function parseStatParentPid(statText: string): number | undefined {
  const close = statText.lastIndexOf(')');
  if (close < 0) return undefined;
  const fields = statText.slice(close + 1).trim().split(/\s+/);
  const ppid = Number(fields[1]);
  return Number.isInteger(ppid) ? ppid : undefined;
}

/** `root` and every pid whose chain of parents (`parentOf`: pid → parent pid) reaches it. */
export function processTree(root: number, parentOf: ReadonlyMap<number, number>): number[] {
  const children = new Map<number, number[]>();
  for (const [pid, ppid] of parentOf) {
    const list = children.get(ppid);
    if (list) list.push(pid);
    else children.set(ppid, [pid]);
  }
  const out: number[] = [];
  const stack = [root];
  const seen = new Set<number>();
  while (stack.length > 0) {
    const pid = stack.pop()!;
    if (seen.has(pid)) continue;
    seen.add(pid);
    out.push(pid);
    stack.push(...(children.get(pid) ?? []));
  }
  return out;
}

function readOrUndefined(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined; // the process ended between listing and reading
  }
}

/** One sample: summed VmRSS in bytes of `root`'s tree now (0 when it has ended). */
export function sampleTreeRssBytes(root: number, procRoot = '/proc'): number {
  const parentOf = new Map<number, number>();
  for (const name of readdirSync(procRoot)) {
    if (!/^\d+$/.test(name)) continue;
    const stat = readOrUndefined(join(procRoot, name, 'stat'));
    const ppid = stat === undefined ? undefined : parseStatParentPid(stat);
    if (ppid !== undefined) parentOf.set(Number(name), ppid);
  }
  let sum = 0;
  for (const pid of processTree(root, parentOf)) {
    const status = readOrUndefined(join(procRoot, String(pid), 'status'));
    sum += (status === undefined ? undefined : parseVmRssBytes(status)) ?? 0;
  }
  return sum;
}

export interface TreeRssPoller {
  /** Stops sampling (after one last sample) and returns the peak in bytes and the sample count. */
  stop(): { peakBytes: number; samples: number };
}

/** Starts sampling `root`'s tree every `intervalMs` (default 100 ms), the first sample at once. */
export function startTreeRssPoller(root: number, intervalMs = 100, procRoot = '/proc'): TreeRssPoller {
  let peakBytes = 0;
  let samples = 0;
  const sample = (): void => {
    peakBytes = Math.max(peakBytes, sampleTreeRssBytes(root, procRoot));
    samples++;
  };
  sample();
  const timer = setInterval(sample, intervalMs);
  return {
    stop() {
      clearInterval(timer);
      sample();
      return { peakBytes, samples };
    },
  };
}
