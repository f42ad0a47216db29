// Spawns the real CLI (node + tsx) for the good path and for each kind of bad input.
// Expected numbers come from SPEC §2/§4 formulas and test vectors, not from lib/rope.
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO, runCli } from '../testing/spawnCli';

const dir = mkdtempSync(join(tmpdir(), 'bandscope-rope-'));

function writeConfig(name: string, body: unknown): string {
  const path = join(dir, name);
  writeFileSync(path, typeof body === 'string' ? body : JSON.stringify(body));
  return path;
}

const cli = (args: string[], entry = 'cli/main.ts') => runCli(args, entry);

const llama7b = { hidden_size: 4096, num_attention_heads: 32, max_position_embeddings: 4096, rope_theta: 10000 };
const theta = (i: number, dR = 128, b = 1e4): number => Math.pow(b, (-2 * i) / dR);
const mean = (f: (i: number) => number, a: number, b: number): number => {
  let s = 0;
  for (let i = a; i <= b; i++) s += f(i);
  return s / (b - a + 1);
};

interface Report {
  rotaryDim: number;
  base: number;
  method: string;
  invFreq: number[];
  attentionFactor: number;
  bands: Array<{ pairs: [number, number]; ip: number; displacementTurns: number }>;
}

function expectOneErrorLine(r: { code: number | null; stdout: string; stderr: string }, pattern: RegExp): void {
  expect(r.code).toBe(2);
  expect(r.stdout).toBe('');
  const lines = r.stderr.trimEnd().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(/^bandscope: /);
  expect(lines[0]).toMatch(pattern);
  expect(r.stderr).not.toMatch(/\n\s+at /);
}

describe('bandscope rope (good path)', () => {
  it('yarn s=4 (4.x rope_scaling): SPEC corr dims, attention factor and analytic IP/D', async () => {
    const path = writeConfig('yarn.json', { ...llama7b, rope_scaling: { type: 'yarn', factor: 4.0 } });
    const r = await cli(['rope', '--config', path, '--bands', 'yarn', '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout.trim().split('\n')).toHaveLength(1);
    const rep = JSON.parse(r.stdout) as Report;
    expect(rep.rotaryDim).toBe(128);
    expect(rep.base).toBe(10000);
    expect(rep.method).toBe('yarn');
    expect(rep.attentionFactor).toBeCloseTo(1.13863, 5);
    expect(rep.invFreq).toHaveLength(64);
    for (let i = 0; i <= 20; i++) expect(rep.invFreq[i]).toBeCloseTo(theta(i), 12);
    for (let i = 46; i < 64; i++) expect(rep.invFreq[i] / (theta(i) / 4)).toBeCloseTo(1, 12);
    expect(rep.bands.map((b) => b.pairs)).toEqual([
      [0, 20],
      [21, 45],
      [46, 63],
    ]);
    // untouched: θ' = θ, independent of s.
    expect(rep.bands[0].ip).toBe(0);
    expect(rep.bands[0].displacementTurns).toBe(0);
    // interpolated: θ' = θ/s ⇒ |∂lnθ'/∂ln s| = 1, IP_i = L'θ'_i/2π, D_i = L'(θ_i − θ_i/4)/2π = 3·IP_i; L' = s·L0 = 16384.
    const ipInterp = mean((i) => (16384 * theta(i)) / 4 / (2 * Math.PI), 46, 63);
    expect(rep.bands[2].ip / ipInterp).toBeCloseTo(1, 6);
    expect(rep.bands[2].displacementTurns / (3 * ipInterp)).toBeCloseTo(1, 9);
  });

  it('linear via --method/--factor on a default model, equal-log:4, explicit --target-len', async () => {
    const path = writeConfig('plain.json', llama7b);
    const r = await cli(['rope', '--config', path, '--method', 'linear', '--factor', '2', '--target-len', '8192', '--json']);
    expect(r.code).toBe(0);
    const rep = JSON.parse(r.stdout) as Report;
    expect(rep.method).toBe('linear');
    expect(rep.attentionFactor).toBe(1);
    expect(rep.bands.map((b) => b.pairs)).toEqual([
      [0, 15],
      [16, 31],
      [32, 47],
      [48, 63],
    ]);
    rep.bands.forEach((b) => {
      const ip = mean((i) => (8192 * theta(i)) / 2 / (2 * Math.PI), b.pairs[0], b.pairs[1]);
      expect(b.ip / ip).toBeCloseTo(1, 6);
      // D_i = L'·(θ_i − θ_i/2)/2π equals IP_i for s = 2.
      expect(b.displacementTurns / ip).toBeCloseTo(1, 9);
    });
  });

  it('default RoPE (5.x rope_parameters, explicit head_dim, partial rotary): zero pressure', async () => {
    const path = writeConfig('v5.json', {
      hidden_size: 256,
      num_attention_heads: 4,
      head_dim: 32,
      max_position_embeddings: 256,
      rope_parameters: { rope_type: 'default', rope_theta: 500000, partial_rotary_factor: 0.5 },
    });
    const r = await cli(['rope', '--config', path, '--bands', 'custom:0-3,4-7', '--json']);
    expect(r.code).toBe(0);
    const rep = JSON.parse(r.stdout) as Report;
    expect(rep.rotaryDim).toBe(16);
    expect(rep.base).toBe(500000);
    for (let i = 0; i < 8; i++) expect(rep.invFreq[i]).toBeCloseTo(theta(i, 16, 5e5), 14);
    expect(rep.bands.map((b) => [b.pairs, b.ip, b.displacementTurns])).toEqual([
      [[0, 3], 0, 0],
      [[4, 7], 0, 0],
    ]);
  });

  it('dynamic: --seq-len selects the base (SPEC vector s 2, seq 8192 → b′ 30527.74)', async () => {
    const path = writeConfig('dyn.json', { ...llama7b, rope_scaling: { rope_type: 'dynamic', factor: 2 } });
    const r = await cli(['rope', '--config', path, '--seq-len', '8192', '--json']);
    expect(r.code).toBe(0);
    const rep = JSON.parse(r.stdout) as Report;
    expect(rep.invFreq[1]).toBeCloseTo(Math.pow(30527.74, -2 / 128), 7);
    // Without --seq-len the frequencies are those at L' (here --target-len 16384, s 4 → 135401.97).
    const path4 = writeConfig('dyn4.json', { ...llama7b, rope_scaling: { rope_type: 'dynamic', factor: 4 } });
    const r4 = await cli(['rope', '--config', path4, '--target-len', '16384', '--json']);
    expect(r4.code).toBe(0);
    expect((JSON.parse(r4.stdout) as Report).invFreq[1]).toBeCloseTo(Math.pow(135401.97, -2 / 128), 7);
  });

  it('--trained-window N equals a config.json whose window is N', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bandscope-rope-tw-'));
    const base = { model_type: 'llama', hidden_size: 1024, num_attention_heads: 8, rope_theta: 10000 };
    writeFileSync(join(dir, 'stated.json'), JSON.stringify({ ...base, max_position_embeddings: 2048 }));
    writeFileSync(join(dir, 'true.json'), JSON.stringify({ ...base, max_position_embeddings: 512 }));
    const args = ['--method', 'yarn', '--factor', '4', '--json'];
    const over = await cli(['rope', '--config', join(dir, 'stated.json'), '--trained-window', '512', ...args]);
    const truth = await cli(['rope', '--config', join(dir, 'true.json'), ...args]);
    expect(over.stderr).toBe('');
    expect(JSON.parse(over.stdout)).toEqual(JSON.parse(truth.stdout));
    const stated = await cli(['rope', '--config', join(dir, 'stated.json'), ...args]);
    expect(JSON.parse(stated.stdout).invFreq).not.toEqual(JSON.parse(truth.stdout).invFreq);
  });

  it('text output without --json', async () => {
    const path = writeConfig('plain2.json', llama7b);
    const r = await cli(['rope', '--config', path]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/method default/);
    expect(r.stdout.trim().split('\n')).toHaveLength(2 + 4);
  });

  it('runs through the package bin (cli/bin.mjs)', async () => {
    const path = writeConfig('plain3.json', llama7b);
    const child = await new Promise<{ code: number | null; stdout: string }>((resolve, reject) => {
      const c = spawn(process.execPath, ['cli/bin.mjs', 'rope', '--config', path, '--json'], { cwd: REPO });
      let stdout = '';
      c.stdout.on('data', (d) => (stdout += d));
      c.on('error', reject);
      c.on('close', (code) => resolve({ code, stdout }));
    });
    expect(child.code).toBe(0);
    expect((JSON.parse(child.stdout) as Report).rotaryDim).toBe(128);
  });
});

describe.concurrent('bandscope rope (bad input → one line, exit 2)', () => {
  const cases: Array<[string, () => string[], RegExp]> = [
    ['missing file', () => ['--config', join(dir, 'does-not-exist.json')], /cannot read config .*no such file/],
    ['malformed JSON', () => ['--config', writeConfig('bad.json', '{"hidden_size": 4096,')], /not valid JSON/],
    ['JSON that is not an object', () => ['--config', writeConfig('arr.json', '[1,2]')], /must hold a JSON object/],
    [
      'unknown rope type',
      () => ['--config', writeConfig('unk.json', { ...llama7b, rope_scaling: { type: 'wobble', factor: 2 } })],
      /unknown rope type 'wobble'/,
    ],
    ['negative factor', () => ['--config', writeConfig('neg.json', { ...llama7b, rope_scaling: { type: 'linear', factor: -2 } })], /factor/],
    ['head_dim that does not divide', () => ['--config', writeConfig('hd.json', { ...llama7b, hidden_size: 4000, num_attention_heads: 3 })], /not divisible/],
    ['missing --config', () => ['--json'], /--config is required/],
    ['unknown flag', () => ['--config', 'x.json', '--frobnicate'], /frobnicate/],
    ['bad --bands', () => ['--config', writeConfig('p4.json', llama7b), '--bands', 'custom:0-10,12-63'], /miss pair 11/],
    ['bad --seq-len', () => ['--config', writeConfig('p5.json', llama7b), '--seq-len', 'abc'], /--seq-len must be a positive integer/],
    ['unknown --method', () => ['--config', writeConfig('p6.json', llama7b), '--method', 'magic', '--factor', '2'], /--method must be one of/],
  ];
  for (const [name, args, pattern] of cases) {
    it(name, async () => {
      expectOneErrorLine(await cli(['rope', ...args()]), pattern);
    });
  }
});
