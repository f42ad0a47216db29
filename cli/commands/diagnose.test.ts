// Spawns the real CLI on the built-in model (trained window L = 256) with YaRN ×2 → L′ = 512.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO, runCli } from '../testing/spawnCli';

const TEXT = join(REPO, 'public/text/brown-test.txt');
const dir = mkdtempSync(join(tmpdir(), 'bandscope-diagnose-'));
const shortText = join(dir, 'short.txt');
writeFileSync(shortText, 'x'.repeat(300));

const cli = (args: string[]) => runCli(['diagnose', ...args]);

interface Bin {
  lo: number;
  hi: number;
  count: number;
  rmsByBand: number[];
  p99ByBand: number[];
  rmsTotal: number;
  p99Total: number;
}

describe('bandscope diagnose', () => {
  it('builtin, YaRN ×2, w4g32a: one JSON object with per-band, per-layer diagnostics from real runs', async () => {
    const r = await cli([
      '--model',
      'builtin',
      '--text',
      TEXT,
      '--rope',
      'yarn:2',
      '--quant',
      'rtn:w4g32a',
      '--bands',
      'equal-log:2',
      '--layers',
      '0,3',
      '--pairs',
      '256',
      '--json',
    ]);
    expect(r.code).toBe(0);
    const d = JSON.parse(r.stdout);
    expect(d.model).toBe('builtin:bandscope-byte-4m');
    expect(d.modelIdentity).toMatch(/^[0-9a-f]{64}$/);
    expect(d.settings).toMatchObject({ context: 512, shortContext: 256, trainedWindow: 256, rope: 'yarn:2', quant: 'rtn:w4g32a', layers: [0, 3] });
    expect(d.bands.map((b: { pairs: number[] }) => b.pairs)).toEqual([
      [0, 15],
      [16, 31],
    ]);
    // YaRN leaves fast pairs alone and interpolates slow ones; analytic IP/D are ≥ 0.
    for (const b of d.bands) {
      expect(b.ipAnalytic).toBeGreaterThanOrEqual(0);
      expect(b.displacementTurns).toBeGreaterThanOrEqual(0);
    }
    expect(d.layers.map((l: { layer: number }) => l.layer)).toEqual([0, 3]);
    for (const l of d.layers) {
      expect(l.bands).toHaveLength(2);
      for (const b of l.bands) {
        expect(b.ipActivation).toBeGreaterThan(0);
        for (const t of ['qPre', 'kPre', 'qPost', 'kPost']) expect(b.tir[t]).toBeGreaterThan(0);
      }
      expect(l.logitErrorRmsByBand.every((x: number) => x > 0)).toBe(true);
    }
    const e = d.logitError;
    const distance = e.distanceBins as Bin[];
    expect(distance[0].lo).toBe(1);
    expect(distance.at(-1)!.hi).toBeGreaterThan(511);
    // every sampled pair × query head × layer lands in exactly one bin of each binning
    const total = 256 * 4 * 2;
    expect(distance.reduce((s, b) => s + b.count, 0)).toBe(total);
    expect((e.queryBins as Bin[]).reduce((s, b) => s + b.count, 0)).toBe(total);
    expect(e.queryBins).toHaveLength(16);
    expect(e.overall.rmsTotal).toBeGreaterThan(0);
    expect(e.overall.p99Total).toBeGreaterThan(0);
    expect(d.seconds).toBeGreaterThan(0);
  }, 60_000);

  it('without PI or quantization: logit error null, activation and analytic IP exactly 0', async () => {
    const r = await cli([
      '--model',
      'builtin',
      '--text',
      TEXT,
      '--context',
      '256',
      '--short-context',
      '128',
      '--bands',
      'yarn',
      '--layers',
      '0',
      '--pairs',
      '64',
      '--json',
    ]);
    expect(r.code).toBe(0);
    const d = JSON.parse(r.stdout);
    expect(d.logitError).toBeNull();
    expect(d.layers[0].logitErrorRmsByBand).toBeNull();
    // No PI: θ' = θ, so activation IP is exactly 0 and analytic IP too.
    for (const b of d.layers[0].bands) expect(b.ipActivation).toBe(0);
    for (const b of d.bands) expect(b.ipAnalytic).toBe(0);
  }, 60_000);

  it('--kv with :hadamard and per-channel (calibrated on the short window): band views still computed, the error moves', async () => {
    const errorOf = async (kv: string) => {
      const r = await cli([
        '--model',
        'builtin',
        '--text',
        TEXT,
        '--rope',
        'yarn:2',
        '--kv',
        kv,
        '--bands',
        'equal-log:4',
        '--layers',
        '0,5',
        '--pairs',
        '512',
        '--json',
      ]);
      expect(r.code).toBe(0);
      const d = JSON.parse(r.stdout);
      expect(d.settings.kv).toBe(kv);
      expect(d.logitError.quantizedKeys).toBe('k_kv');
      expect(d.logitError.overall.rmsByBand).toHaveLength(4);
      return d.logitError.overall as { rmsTotal: number; rmsByBand: number[] };
    };
    const plain = await errorOf('int4:token:post');
    const rotated = await errorOf('int4:token:post:hadamard');
    const channel = await errorOf('int4:channel:post:hadamard');
    for (const e of [plain, rotated, channel]) expect(e.rmsTotal).toBeGreaterThan(0);
    expect(Math.abs(rotated.rmsTotal - plain.rmsTotal) / plain.rmsTotal).toBeGreaterThan(0.01);
    expect(Math.abs(channel.rmsTotal - rotated.rmsTotal) / rotated.rmsTotal).toBeGreaterThan(0.01);
  }, 90_000);

  const bad: Array<[string, string[], RegExp]> = [
    ['missing --text', ['--model', 'builtin'], /--text is required/],
    ['unknown flag', ['--model', 'builtin', '--text', TEXT, '--nope'], /nope/],
    ['bad rope', ['--model', 'builtin', '--text', TEXT, '--rope', 'warp:2'], /--rope 'warp:2'/],
    ['bad quant', ['--model', 'builtin', '--text', TEXT, '--quant', 'rtn:w9g32a'], /--quant/],
    ['bad bands', ['--model', 'builtin', '--text', TEXT, '--bands', 'equal-log:99'], /--bands/],
    ['bad layers', ['--model', 'builtin', '--text', TEXT, '--layers', '0,6'], /--layers/],
    ['short context past L', ['--model', 'builtin', '--text', TEXT, '--rope', 'yarn:2', '--short-context', '300'], /trained window 256/],
    ['text shorter than L′', ['--model', 'builtin', '--text', shortText, '--rope', 'yarn:2'], /300 tokens.*512/],
    ['missing text file', ['--model', 'builtin', '--text', join(dir, 'nope.txt')], /nope\.txt/],
    ['not a model', ['--model', join(dir, 'nothing'), '--text', TEXT], /nothing/],
    ['kv rotation misspelt', ['--model', 'builtin', '--text', TEXT, '--kv', 'int4:token:post:hadamar'], /--kv: bad KV quant spec/],
  ];
  for (const [name, args, message] of bad) {
    it(`bad input → one stderr line, exit 2: ${name}`, async () => {
      const r = await cli(args);
      expect(r.stdout).toBe('');
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(message);
      expect(r.code).toBe(2);
    }, 30_000);
  }
});
