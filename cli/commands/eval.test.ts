// Spawns the real CLI. Goldens are the PyTorch fixture's mean NLLs (training/fixture/index.json),
// fed the fixture's own 1024-token text.
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO, runCli } from '../testing/spawnCli';

const dir = mkdtempSync(join(tmpdir(), 'bandscope-eval-'));
const text0 = join(dir, 'text0.txt');
copyFileSync(join(REPO, 'training/fixture/tokens_0.bin'), text0);
const index = JSON.parse(readFileSync(join(REPO, 'training/fixture/index.json'), 'utf8')) as { cases: Array<{ id: string; meanNll: number }> };
const golden = (id: string) => index.cases.find((c) => c.id === id)!.meanNll;

const cli = (args: string[]) => runCli(['eval', ...args]);

interface Report {
  device: string;
  model: string;
  settings: Record<string, unknown>;
  contexts: Array<{ context: number; windows: number; tokens: number; nll: number; ppl: number; seconds: number; tokensPerSecond: number }>;
}

describe('bandscope eval', () => {
  it('builtin, default RoPE at 256 and YaRN ×4 at 1024 reproduce the PyTorch mean NLL', async () => {
    const a = await cli(['--model', 'builtin', '--text', text0, '--contexts', '256', '--windows', '1', '--json']);
    expect(a.stderr).toBe('');
    expect(a.code).toBe(0);
    const ra = JSON.parse(a.stdout) as Report;
    expect(ra.device).toBe('ort-node:cpu');
    expect(ra.contexts).toHaveLength(1);
    expect(ra.contexts[0]).toMatchObject({ context: 256, windows: 1, tokens: 256 });
    expect(Math.abs(ra.contexts[0].nll - golden('text0-default-fp32'))).toBeLessThan(1e-4);
    expect(ra.contexts[0].ppl).toBeCloseTo(Math.exp(ra.contexts[0].nll), 10);
    expect(ra.contexts[0].tokensPerSecond).toBeGreaterThan(0);

    const b = await cli([
      '--model',
      'builtin',
      '--text',
      text0,
      '--contexts',
      '1024',
      '--rope',
      'yarn:4',
      '--quant',
      'rtn:w4g32a',
      '--quant-format',
      'nbits',
      '--json',
    ]);
    expect(b.code).toBe(0);
    const rb = JSON.parse(b.stdout) as Report;
    expect(rb.settings).toMatchObject({ rope: 'yarn:4', quant: 'rtn:w4g32a', quantFormat: 'nbits' });
    expect(Math.abs(rb.contexts[0].nll - golden('text0-yarnx4-w4g32a'))).toBeLessThan(1e-3);
  }, 60_000);

  it('--qroar symmetric is a no-op without KV quant (fp32 and RTN); shared changes NLL, per-layer scales too; --kv int8 stays close', async () => {
    const write = (name: string, variant: string, scales: number[] | number[][] = [1.25, 0.8, 1.1, 0.9]) => {
      const path = join(dir, name);
      const body = {
        format: 'bandscope-qroar-scales',
        version: 1,
        variant,
        rotaryDim: 64,
        pairLayout: 'half-split',
        bands: 'custom:0-7,8-15,16-23,24-31',
        bandSource: 'equal-log:4',
        scales,
        model: { name: 'builtin', hashes: {} },
        settings: {},
      };
      writeFileSync(path, JSON.stringify(body));
      return path;
    };
    const sym = write('sym.json', 'symmetric');
    const shared = write('shared.json', 'shared');
    const base = ['--model', 'builtin', '--text', text0, '--contexts', '256', '--windows', '1', '--json'];
    const nllOf = async (extra: string[]) => {
      const r = await cli([...base, ...extra]);
      expect(r.stderr).toBe('');
      return (JSON.parse(r.stdout) as Report).contexts[0].nll;
    };
    const fp = golden('text0-default-fp32');
    expect(Math.abs((await nllOf(['--qroar', sym])) - fp)).toBeLessThan(1e-4);
    expect(Math.abs((await nllOf(['--qroar', sym, '--quant', 'rtn:w4g32a'])) - golden('text0-default-w4g32a'))).toBeLessThan(1e-3);
    const sharedNll = await nllOf(['--qroar', shared]);
    expect(Math.abs(sharedNll - fp)).toBeGreaterThan(1e-3);
    // Per-layer scales: the global row in each of the 6 layers is the global file exactly; scaling only layer 0 is neither.
    expect(await nllOf(['--qroar', write('perLayer.json', 'shared', Array(6).fill([1.25, 0.8, 1.1, 0.9]))])).toBe(sharedNll);
    const layer0 = await nllOf(['--qroar', write('layer0.json', 'shared', [[1.25, 0.8, 1.1, 0.9], ...Array(5).fill([1, 1, 1, 1])])]);
    expect(Math.abs(layer0 - fp)).toBeGreaterThan(1e-5);
    expect(Math.abs(layer0 - sharedNll)).toBeGreaterThan(1e-4);
    const short = await cli([...base, '--qroar', write('short.json', 'shared', Array(5).fill([1, 1, 1, 1]))]);
    expect(short.code).toBe(2);
    expect(short.stderr).toMatch(/short\.json.*no scales for layer 5/);
    const kv = await nllOf(['--kv', 'int8:token:post']);
    expect(Math.abs(kv - fp)).toBeLessThan(0.01);
  }, 90_000);

  it('--trained-window replaces the stated window and the report names its source', async () => {
    const stated = await cli(['--model', 'builtin', '--text', text0, '--contexts', '64', '--windows', '1', '--json']);
    expect(JSON.parse(stated.stdout).trainedWindow).toMatchObject({ windowTokens: 256, source: 'config.json max_position_embeddings' });
    // Dynamic NTK at 256 tokens over L = 128 (×2) changes the base; over the stated L = 256 it does not.
    const nllAt = async (extra: string[]) => {
      const r = await cli(['--model', 'builtin', '--text', text0, '--contexts', '256', '--windows', '1', '--rope', 'dynamic:2', '--json', ...extra]);
      expect(r.stderr).toBe('');
      return JSON.parse(r.stdout) as Report & { trainedWindow: { windowTokens: number; source: string } };
    };
    const own = await nllAt([]);
    const over = await nllAt(['--trained-window', '128']);
    expect(over.trainedWindow).toMatchObject({ windowTokens: 128, source: 'override' });
    expect(Math.abs(own.contexts[0].nll - golden('text0-default-fp32'))).toBeLessThan(1e-4);
    expect(Math.abs(over.contexts[0].nll - own.contexts[0].nll)).toBeGreaterThan(1e-3);
  }, 90_000);

  it('--kv per-channel: calibrated on the first L (or --kv-calibration) tokens, clipping counted; :hadamard changes the int4 error', async () => {
    const base = ['--model', 'builtin', '--text', text0, '--contexts', '256,1024', '--rope', 'yarn:4', '--json'];
    const reportOf = async (extra: string[]) => {
      const r = await cli([...base, ...extra]);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      return JSON.parse(r.stdout) as Report & { contexts: Array<{ kvClipped?: number; kvClippedShare?: number }> };
    };
    const fp = await reportOf([]);
    const i8 = await reportOf(['--kv', 'int8:channel:post']);
    expect(i8.settings).toMatchObject({ kv: 'int8:channel:post', kvCalibration: { tokens: 256, definition: expect.stringMatching(/first S tokens/) } });
    // Within the calibrated length int8 per-channel is close to float; at 4× L saturation costs more.
    expect(Math.abs(i8.contexts[0].nll - fp.contexts[0].nll)).toBeLessThan(0.01);
    for (const c of i8.contexts) expect(c.kvClippedShare).toBeLessThan(0.05);
    expect(i8.contexts[1].kvClippedShare!).toBeGreaterThan(i8.contexts[0].kvClippedShare!);
    const i4 = await reportOf(['--kv', 'int4:channel:post', '--kv-calibration', '128']);
    const i4h = await reportOf(['--kv', 'int4:channel:post:hadamard', '--kv-calibration', '128']);
    expect(i4.settings).toMatchObject({ kvCalibration: { tokens: 128 } });
    expect(i4h.settings.kv).toBe('int4:channel:post:hadamard');
    // Past the calibration range, the long context saturates more than the short one.
    expect(i4.contexts[1].kvClipped!).toBeGreaterThan(0);
    expect(i4.contexts[1].kvClippedShare!).toBeGreaterThan(i4.contexts[0].kvClippedShare!);
    expect(Math.abs(i4h.contexts[1].nll - i4.contexts[1].nll)).toBeGreaterThan(1e-3);
    const plain = await reportOf(['--kv', 'int4:token:post:hadamard']);
    expect(plain.settings).toMatchObject({ kv: 'int4:token:post:hadamard', kvCalibration: null });
    expect('kvClipped' in plain.contexts[0]).toBe(false);
  }, 120_000);

  const bad: Array<[string, string[], RegExp]> = [
    ['bad kv', ['--model', 'builtin', '--text', text0, '--contexts', '64', '--kv', 'int3:token:post'], /--kv/],
    [
      'kv calibration beyond the trained window',
      ['--model', 'builtin', '--text', text0, '--contexts', '64', '--kv', 'int8:channel:post', '--kv-calibration', '512'],
      /calibration context 512 exceeds the trained window 256/,
    ],
    [
      'kv calibration without per-channel kv',
      ['--model', 'builtin', '--text', text0, '--contexts', '64', '--kv', 'int8:token:post', '--kv-calibration', '64'],
      /--kv-calibration applies to a per-channel --kv/,
    ],
    [
      'kv calibration not a number',
      ['--model', 'builtin', '--text', text0, '--contexts', '64', '--kv', 'int8:channel:post', '--kv-calibration', 'all'],
      /--kv-calibration must be a token count/,
    ],
    [
      'kv rotation misspelt',
      ['--model', 'builtin', '--text', text0, '--contexts', '64', '--kv', 'int4:token:post:hadamrd'],
      /--kv: bad KV quant spec.*target "hadamrd"/,
    ],
    ['qroar file of another format', ['--model', 'builtin', '--text', text0, '--contexts', '64', '--qroar', text0], /text0\.txt/],
    ['missing qroar file', ['--model', 'builtin', '--text', text0, '--contexts', '64', '--qroar', join(dir, 'none.json')], /none\.json/],
    ['missing --model', ['--text', text0, '--contexts', '64'], /--model is required/],
    ['unknown flag', ['--model', 'builtin', '--text', text0, '--contexts', '64', '--bogus', 'x'], /bogus/],
    ['bad contexts', ['--model', 'builtin', '--text', text0, '--contexts', '64,abc'], /--contexts/],
    ['bad rope', ['--model', 'builtin', '--text', text0, '--contexts', '64', '--rope', 'warp:2'], /--rope 'warp:2'/],
    ['bad quant', ['--model', 'builtin', '--text', text0, '--contexts', '64', '--quant', 'rtn:w9g32a'], /--quant/],
    ['bad windows', ['--model', 'builtin', '--text', text0, '--contexts', '64', '--windows', '0'], /--windows/],
    ['missing text', ['--model', 'builtin', '--text', join(dir, 'nope.txt'), '--contexts', '64'], /nope\.txt/],
    ['not a model folder', ['--model', dir, '--text', text0, '--contexts', '64'], /bandscope: \S/],
    ['missing gguf', ['--model', join(dir, 'm.gguf'), '--text', text0, '--contexts', '64'], /m\.gguf/],
    ['text shorter than a window', ['--model', 'builtin', '--text', text0, '--contexts', '2048'], /1024 tokens.*2048/],
    [
      'trained window too small',
      ['--model', 'builtin', '--text', text0, '--contexts', '64', '--trained-window', '4'],
      /--trained-window: trained window must be an integer from 8 .* got 4/,
    ],
    [
      'bad score mode',
      ['--model', 'builtin', '--text', text0, '--contexts', '64', '--score', 'fast'],
      /--score: score mode must be one of bandscope, llama-perplexity, got 'fast'/,
    ],
    [
      'trained window not a number',
      ['--model', 'builtin', '--text', text0, '--contexts', '64', '--trained-window', 'big'],
      /--trained-window must be a positive integer/,
    ],
  ];
  for (const [name, args, message] of bad) {
    it(`bad input → one stderr line, exit 2: ${name}`, async () => {
      const r = await cli(args);
      expect(r.code).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(message);
    }, 30_000);
  }
});
