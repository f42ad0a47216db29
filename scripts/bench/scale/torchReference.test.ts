// The PyTorch reference against `bandscope eval` (itself exact to PyTorch at 1e-6 on the built-in
// model): the built-in model (F32, untied, default RoPE) and a tiny checkpoint from the scale
// writer (BF16 shards, tied head, GQA, llama3 RoPE scaling — the 1B shape's features), FP and
// RTN w4g32a. Skipped where /usr/bin/python3 has no torch.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO, runCli } from '../../../cli/testing/spawnCli';
import { LLAMA_3_2_1B_SHAPE, type CheckpointShape } from './shape';
import { writeSyntheticCheckpoint } from './writeCheckpoint';

const PYTHON = '/usr/bin/python3';
const hasTorch = existsSync(PYTHON) && spawnSync(PYTHON, ['-c', 'import torch']).status === 0;
const TEXT = join(REPO, 'public', 'text', 'brown-test.txt');
const root = mkdtempSync(join(tmpdir(), 'bandscope-torchref-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function torchNll(model: string, context: number, quant: string): number {
  const r = spawnSync(PYTHON, [join(REPO, 'scripts/bench/scale/torch_reference.py'), '--model', model, '--text', TEXT, '--contexts', String(context), '--quant', quant, '--threads', '1'], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`torch_reference.py failed: ${r.stderr}`);
  const out = JSON.parse(r.stdout) as { results: Array<{ meanNll: number; finite: boolean }> };
  expect(out.results[0].finite).toBe(true);
  return out.results[0].meanNll;
}

async function evalNll(model: string, context: number, quant: string): Promise<number> {
  const r = await runCli(['eval', '--model', model, '--text', TEXT, '--contexts', String(context), '--windows', '1', '--quant', quant, '--threads', '1', '--json']);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  return (JSON.parse(r.stdout) as { contexts: Array<{ nll: number }> }).contexts[0].nll;
}

// Small enough for a test, but every head_dim frequency band of llama3 scaling occurs at theta 500000.
const TINY: CheckpointShape = { ...LLAMA_3_2_1B_SHAPE, vocabSize: 300, hiddenSize: 128, intermediateSize: 256, numLayers: 2, numHeads: 8, numKvHeads: 2, headDim: 16 };

describe.skipIf(!hasTorch)('torch_reference.py agrees with bandscope eval within 1e-4 nats', () => {
  for (const quant of ['none', 'rtn:w4g32a']) {
    it(`built-in model, 512 tokens (two 256-row head chunks), quant ${quant}`, async () => {
      const model = join(REPO, 'public', 'models', 'bandscope-byte-4m');
      expect(Math.abs(torchNll(model, 512, quant) - (await evalNll('builtin', 512, quant)))).toBeLessThan(1e-4);
    });
  }

  it('tiny synthetic checkpoint of the 1B features (BF16, tied, GQA, llama3 RoPE), 128 tokens, FP and w4g32a', async () => {
    const dir = join(root, 'tiny');
    writeSyntheticCheckpoint(dir, { shape: TINY, maxShardBytes: 100_000, initStd: 0.1 });
    for (const quant of ['none', 'rtn:w4g32a']) {
      const ours = await evalNll(dir, 128, quant);
      const torch = torchNll(dir, 128, quant);
      // Random weights: close to ln(300) = 5.70 but not equal to it, so the forward matters.
      expect(ours).toBeGreaterThan(4);
      expect(Math.abs(ours - torch)).toBeLessThan(1e-4);
    }
  });
});
