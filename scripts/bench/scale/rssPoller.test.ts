import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseStatParentPid, parseVmRssBytes, processTree, sampleTreeRssBytes, startTreeRssPoller } from './rssPoller';

// Shaped like a Linux 6.x /proc/<pid>/status (trimmed).
const STATUS = 'Name:\tnode\nUmask:\t0022\nState:\tS (sleeping)\nTgid:\t4242\nPid:\t4242\nPPid:\t4200\nVmPeak:\t 1234567 kB\nVmSize:\t 1200000 kB\nVmHWM:\t  345678 kB\nVmRSS:\t  300000 kB\nRssAnon:\t  250000 kB\nThreads:\t11\n';
const KTHREAD_STATUS = 'Name:\tkworker/0:1\nState:\tI (idle)\nPid:\t17\nPPid:\t2\nThreads:\t1\n';

describe('/proc parsing', () => {
  it('reads VmRSS in bytes (kB = 1024 B), not VmHWM or RssAnon; undefined without the line', () => {
    expect(parseVmRssBytes(STATUS)).toBe(300000 * 1024);
    expect(parseVmRssBytes(KTHREAD_STATUS)).toBeUndefined();
  });

  it('reads the parent pid after the last parenthesis, whatever the command name holds', () => {
    expect(parseStatParentPid('4242 (node) S 4200 4242 4200 0 -1 4194560 1 0 0 0')).toBe(4200);
    expect(parseStatParentPid('77 (my (odd) prog) R 1 77 77 0 -1')).toBe(1);
    expect(parseStatParentPid('garbage')).toBeUndefined();
  });

  it('collects a tree from parent links, and nothing outside it', () => {
    const parentOf = new Map([
      [10, 1],
      [11, 10],
      [12, 11],
      [13, 10],
      [20, 1],
      [21, 20],
    ]);
    expect(processTree(10, parentOf).sort((a, b) => a - b)).toEqual([10, 11, 12, 13]);
    expect(processTree(99, parentOf)).toEqual([99]);
  });
});

describe('sampleTreeRssBytes over a /proc-shaped folder', () => {
  const fake = mkdtempSync(join(tmpdir(), 'bandscope-proc-'));
  afterAll(() => rmSync(fake, { recursive: true, force: true }));
  const proc = (pid: number, ppid: number, rssKb: number | null) => {
    mkdirSync(join(fake, String(pid)));
    writeFileSync(join(fake, String(pid), 'stat'), `${pid} (p ${pid}) S ${ppid} 1 1 0 -1\n`);
    writeFileSync(join(fake, String(pid), 'status'), rssKb === null ? KTHREAD_STATUS : `Name:\tp\nVmRSS:\t ${rssKb} kB\n`);
  };
  proc(100, 1, 1000);
  proc(101, 100, 2000);
  proc(102, 101, null); // no VmRSS line counts 0
  proc(200, 1, 50000); // not in the tree
  mkdirSync(join(fake, 'self'));

  it('sums the tree only', () => {
    expect(sampleTreeRssBytes(100, fake)).toBe(3000 * 1024);
    expect(sampleTreeRssBytes(101, fake)).toBe(2000 * 1024);
  });
});

describe('startTreeRssPoller on a real process tree', () => {
  it.skipIf(process.platform !== 'linux')('sees a grandchild holding ~200 MB', async () => {
    // sh → node grandchild that touches 200 MiB and holds it for a second.
    const child = spawn('sh', ['-c', `"${process.execPath}" -e "const b = Buffer.alloc(200 * 2 ** 20, 1); setTimeout(() => b.length, 1000)"`], { stdio: 'ignore' });
    const poller = startTreeRssPoller(child.pid!, 50);
    await new Promise((r) => child.on('exit', r));
    const { peakBytes, samples } = poller.stop();
    expect(samples).toBeGreaterThan(5);
    expect(peakBytes).toBeGreaterThan(200 * 2 ** 20);
    expect(peakBytes).toBeLessThan(600 * 2 ** 20);
  });
});
