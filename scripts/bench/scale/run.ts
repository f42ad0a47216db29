/**
 * `npm run bench:scale [-- --quick] [-- --contexts 512,2048] [--torch-contexts 512,2048] [--no-torch]
 *  [--checkpoint DIR] [--threads N]`: `bandscope eval` on a Llama-3.2-1B-shaped SYNTHETIC
 * checkpoint (scripts/bench/scale/writeCheckpoint.ts; written first unless present), FP and RTN
 * w4g32a at each context, one window of the bundled held-out text (public/text/brown-test.txt from
 * byte 0, byte tokens), each as its own child process: wall time → tokens/s, peak RSS of the
 * process tree (/proc VmRSS every 100 ms), NLL. Then the PyTorch reference
 * (torch_reference.py, /usr/bin/python3) on the same ids, also one child per run. Prints the table
 * side by side and writes bench/scale.json. A refusal by eval (exit 2, one line) is recorded as
 * `refused: <line>`, not a crash.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { availableParallelism, cpus, loadavg, platform, release, tmpdir, totalmem } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { openModelAtPath } from '../../../cli/io/nodeByteSource';
import { tokenStreamOfBytes } from '../../../lib/tokenize/stream';
import { evalOutcome, lastLine, runChild } from './childRun';
import { formatScaleTable, rssTargetBytes, type ScaleRow, type TorchRun } from './table';
import { DEFAULT_CHECKPOINT_DIR, REPO_ROOT, writeSyntheticCheckpoint } from './writeCheckpoint';

const PYTHON = '/usr/bin/python3';
const TEXT = join(REPO_ROOT, 'public', 'text', 'brown-test.txt');
const QUANTS = ['none', 'rtn:w4g32a'];
/** Torch runs contexts up to this by default; 2048 is opt-in (--torch-contexts): its FP forward alone took 173 s there (2 cores, load average ~5), 21 s at 512. */
const TORCH_DEFAULT_MAX_CONTEXT = 512;

function parseContextList(raw: string, flag: string): number[] {
  const out = raw.split(',').map((s) => Number(s.trim()));
  if (out.length === 0 || out.some((n) => !Number.isSafeInteger(n) || n < 2)) throw new Error(`${flag} must be comma-separated integers ≥ 2, got '${raw}'`);
  return out;
}

function torchAvailable(): string | null {
  if (!existsSync(PYTHON)) return `${PYTHON} not found`;
  const probe = spawnSync(PYTHON, ['-c', 'import torch'], { encoding: 'utf8' });
  return probe.status === 0 ? null : `${PYTHON} has no torch`;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    args: process.argv.slice(2),
    options: {
      quick: { type: 'boolean' },
      contexts: { type: 'string' },
      'torch-contexts': { type: 'string' },
      'no-torch': { type: 'boolean' },
      checkpoint: { type: 'string' },
      threads: { type: 'string' },
    },
  });
  const contexts = values.contexts !== undefined ? parseContextList(values.contexts, '--contexts') : values.quick === true ? [512] : [512, 2048];
  const torchContexts = values['torch-contexts'] !== undefined ? parseContextList(values['torch-contexts'], '--torch-contexts') : contexts.filter((c) => c <= TORCH_DEFAULT_MAX_CONTEXT);
  const threads = values.threads ?? String(availableParallelism());
  const dir = resolve(values.checkpoint ?? DEFAULT_CHECKPOINT_DIR);
  const loadAverageAtStart = loadavg();

  const started = performance.now();
  const written = writeSyntheticCheckpoint(dir);
  console.log(written.written ? `wrote ${dir} (${(written.totalBytes / 1e9).toFixed(2)} GB) in ${((performance.now() - started) / 1000).toFixed(0)} s` : `checkpoint present: ${dir}`);

  // The ids eval will feed, from the project's own tokenizer path, so torch sees exactly them.
  const opened = await openModelAtPath(dir);
  let ids: Int32Array;
  let identity: string;
  try {
    ids = tokenStreamOfBytes(opened.model.tokenizer, opened.model.spec.vocabSize, new Uint8Array(readFileSync(TEXT)));
    identity = opened.model.identity;
  } finally {
    await opened.close();
  }
  const maxContext = Math.max(...contexts, ...torchContexts);
  const work = mkdtempSync(join(tmpdir(), 'bandscope-bench-scale-'));
  const idsPath = join(work, 'ids.json');
  writeFileSync(idsPath, JSON.stringify(Array.from(ids.subarray(0, maxContext))));

  const rows: ScaleRow[] = [];
  const torchDetail: unknown[] = [];
  const torchMissing = values['no-torch'] === true ? '--no-torch' : torchAvailable();
  try {
    for (const quant of QUANTS) {
      for (const c of contexts) {
        const args = ['--import', 'tsx', 'cli/main.ts', 'eval', '--model', dir, '--text', TEXT, '--contexts', String(c), '--windows', '1', '--threads', threads, '--json'];
        if (quant !== 'none') args.push('--quant', quant);
        console.log(`ours  ${quant} ${c} tokens …`);
        const ours = evalOutcome(await runChild(process.execPath, args, REPO_ROOT));
        let torch: TorchRun;
        if (torchMissing !== null) torch = { kind: 'skipped', reason: torchMissing };
        else if (!torchContexts.includes(c)) torch = { kind: 'skipped', reason: `context ${c} is opt-in for torch (--torch-contexts)` };
        else {
          console.log(`torch ${quant} ${c} tokens …`);
          const r = await runChild(PYTHON, [join(REPO_ROOT, 'scripts', 'bench', 'scale', 'torch_reference.py'), '--model', dir, '--ids', idsPath, '--contexts', String(c), '--quant', quant, '--threads', threads], REPO_ROOT);
          if (r.exitCode !== 0) torch = { kind: 'skipped', reason: `torch_reference.py exited ${r.exitCode ?? r.signal}: ${lastLine(r.stderr)}` };
          else {
            const out = JSON.parse(r.stdout) as { results: Array<{ meanNll: number; tokensPerSecond: number }> };
            torchDetail.push({ quant, context: c, wallSeconds: r.wallSeconds, peakRssBytes: r.peakRssBytes, ...out });
            torch = { kind: 'ok', wallSeconds: r.wallSeconds, forwardTokensPerSecond: out.results[0].tokensPerSecond, meanNll: out.results[0].meanNll };
          }
        }
        rows.push({ quant, contextTokens: c, ours, torch, targetRssBytes: rssTargetBytes(quant, c) });
      }
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }

  const table = formatScaleTable(rows);
  console.log(`\n${table}\n`);
  const loadAverageAtEnd = loadavg();
  console.log(`load average (1, 5, 15 min) at start ${loadAverageAtStart.map((x) => x.toFixed(2)).join(', ')}, at end ${loadAverageAtEnd.map((x) => x.toFixed(2)).join(', ')}`);
  const results = {
    measuredAt: new Date().toISOString(),
    machine: { cpu: cpus()[0]?.model ?? 'unknown', cores: cpus().length, totalMemBytes: totalmem(), os: `${platform()} ${release()}`, node: process.version, loadAverageAtStart, loadAverageAtEnd },
    checkpoint: { dir: relative(REPO_ROOT, dir) || dir, identity, synthetic: 'random weights for a memory/speed benchmark, not a model', writtenThisRun: written.written },
    text: `${relative(REPO_ROOT, TEXT)} from byte 0 (byte tokens), one window per run`,
    threads: Number(threads),
    method:
      'each run is one child process: ours = node --import tsx cli/main.ts eval --windows 1 --json; torch = /usr/bin/python3 scripts/bench/scale/torch_reference.py on the same ids. ' +
      'wall tokens/s = context tokens / (spawn to exit, model load included); fwd = the forward pass alone as each reports it. ' +
      'Peak RSS: the largest sum of VmRSS over the process tree, sampled every 100 ms (GB = 1e9 bytes).',
    rows,
    torch: torchDetail,
    table,
  };
  writeFileSync(join(REPO_ROOT, 'bench', 'scale.json'), `${JSON.stringify(results, null, 2)}\n`);
  console.log('wrote bench/scale.json');
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
