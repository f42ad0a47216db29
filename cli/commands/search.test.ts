// Spawns the real CLI on the built-in model (L = 256), YaRN ×2 → L′ = 512, 2 bands, grid 3.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseQroarScalesJson } from '../../lib/export/scalesJson';
import { parseReport } from '../../lib/report/report';
import { byteSourceFromBytes } from '../../lib/model/byteSource';
import { parseSafetensorsHeader, readSafetensorsF32 } from '../../lib/model/safetensors';
import { builtinTensors } from '../engine/testing/builtin';
import { REPO, runCli } from '../testing/spawnCli';

const DEV = join(REPO, 'public/text/brown-dev.txt');
const TEST = join(REPO, 'public/text/brown-test.txt');
const dir = mkdtempSync(join(tmpdir(), 'bandscope-search-'));
const shortText = join(dir, 'short.txt');
writeFileSync(shortText, 'x'.repeat(300));

const cli = (command: string, args: string[]) => runCli([command, ...args]);

const BASE = ['--model', 'builtin', '--dev', DEV, '--test', TEST, '--rope', 'yarn:2', '--bands', 'equal-log:2'];

describe('bandscope search', () => {
  it('records every candidate, never picks worse than g = 1 on dev, writes patched q/k and scales that eval --qroar reproduces', async () => {
    const out = join(dir, 'out');
    const reportPath = join(dir, 'search-report.json');
    const r = await cli('search', [
      ...BASE,
      '--grid',
      '3',
      '--window',
      '0.95,1.05',
      '--guard',
      '0.05',
      '--windows',
      '2',
      '--test-windows',
      '1',
      '--out',
      out,
      '--report',
      reportPath,
      '--json',
    ]);
    expect(r.code).toBe(0);
    const s = JSON.parse(r.stdout);
    expect(s.settings).toMatchObject({ context: 512, shortContext: 256, quant: 'rtn:w4g32a', variant: 'shared', grid: [0.95, 1, 1.05] });
    expect(s.bands).toHaveLength(2);
    // baseline + bands × (grid − 1), one sweep
    expect(s.candidates).toHaveLength(1 + 2 * (3 - 1));
    expect(s.candidates[0]).toMatchObject({ bandIndex: null, scales: [1, 1], accepted: true });
    expect(s.dev.before.nll).toBe(s.candidates[0].objective);
    expect(s.dev.after.nll).toBeLessThanOrEqual(s.dev.before.nll);
    expect(s.dev.after.ppl).toBeCloseTo(Math.exp(s.dev.after.nll), 10);
    const chosen = s.candidates.find((c: { scales: number[]; objective: number }) => c.scales.join() === s.chosen.scales.join());
    expect(chosen.objective).toBe(s.dev.after.nll);
    expect(s.shortContext.withinGuard).toBe(true);
    expect(s.shortContext.after.nll).toBeLessThanOrEqual(s.shortContext.before.nll * 1.05);
    for (const k of ['before', 'after']) expect(s.test[k].nll).toBeGreaterThan(0);
    // Noise, edge and penalty fields (issue #13): the penalty at the short context and at L′, one test window each.
    expect(s.noOp).toBeNull();
    expect(s.settings).toMatchObject({ testWindows: 1, testContexts: [256, 512], noise: { sigmas: 2, floatToleranceNats: 1e-5 }, widen: false });
    expect(s.penalty.map((p: { contextTokens: number; windows: number }) => [p.contextTokens, p.windows])).toEqual([
      [256, 1],
      [512, 1],
    ]);
    const p512 = s.penalty[1];
    expect(p512.nll.ptqBefore).toBe(s.test.before.nll);
    expect(p512.nll.ptqAfter).toBe(s.test.after.nll);
    expect(p512.penaltyBefore.meanNats).toBeCloseTo(p512.nll.ptqBefore - p512.nll.fpBefore, 12);
    expect(p512.penaltyAfter.meanNats).toBeCloseTo(p512.nll.ptqAfter - p512.nll.fpAfter, 12);
    // One test window: no standard error (JSON null), so nothing there is beyond noise.
    expect(p512.ptqChange.standardErrorNats).toBeNull();
    expect(p512.withinNoise).toEqual({ ptqChange: true, fpChange: true, penaltyChange: true });
    expect(s.control.before.nll).toBe(p512.nll.fpBefore);
    // The control's shares (issue #12): gap closed and FP share of the gain, from the same mean NLLs.
    const gain = p512.nll.ptqBefore - p512.nll.ptqAfter;
    expect(p512.shares.ptqGainNats).toBeCloseTo(gain, 12);
    expect(p512.shares.fpGainNats).toBeCloseTo(p512.nll.fpBefore - p512.nll.fpAfter, 12);
    if (p512.nll.ptqBefore > p512.nll.fpBefore) expect(p512.shares.gapClosedShare).toBeCloseTo(gain / (p512.nll.ptqBefore - p512.nll.fpBefore), 12);
    else expect(p512.shares.gapClosedShare).toBeNull();
    expect(Array.isArray(s.edge.hits)).toBe(true);
    expect(r.stderr).toMatch(/measuring test before \(FP control\)/);
    // The guard: 2 · ⌊512/256⌋ separate windows of 256.
    expect(s.settings.guardWindows).toBe(4);
    expect(s.shortContext.windows).toBe(4);

    // --report: the dashboard's reader opens it, with the numbers --json printed (issue #10 item 4).
    const { report, settings } = parseReport(readFileSync(reportPath, 'utf8'));
    expect(report.model.identity).toBe(s.modelIdentity);
    expect(report.model.id).toBe('builtin:bandscope-byte-4m');
    expect(settings).toMatchObject({
      pi: { method: 'yarn', factor: 2 },
      targetContextTokens: 512,
      weightQuant: { bits: 4, group: 32, symmetric: false },
      bands: { kind: 'equal-log', count: 2 },
      text: 'brown',
      qroarVariant: 'shared',
    });
    const run = report.search!.run!;
    expect(report.search!.chosenScales).toEqual(s.chosen.scales);
    expect(run.candidateScales).toEqual(s.candidates.map((c: { scales: number[] }) => c.scales));
    expect(report.search!.candidates.map((c) => c.objective)).toEqual(s.candidates.map((c: { objective: number }) => c.objective));
    expect(report.search!.candidates.map((c) => c.guard)).toEqual(s.candidates.map((c: { guard: number }) => c.guard));
    expect(run).toMatchObject({
      contextTokens: 512,
      shortContextTokens: 256,
      windows: 2,
      guardWindows: 4,
      guardTolerance: 0.05,
      bandOrder: s.bandOrder,
      grid: s.settings.grid,
    });
    expect(run.baseline!.objective).toBe(s.dev.before.nll);
    expect(run.best!.guard).toBe(s.shortContext.after.nll);
    expect(run.penalty!.map((p) => p.nll)).toEqual(s.penalty.map((p: { nll: unknown }) => p.nll));
    expect(run.ipPerBand).toEqual(s.bands.map((b: { ipAnalytic: number }) => b.ipAnalytic));
    expect(report.pressure?.bands).toHaveLength(2);
    expect(r.stderr).toMatch(/#0 band - g 1\.0000/);

    // Patched tensors: q/k of every layer, float32, HF names, own row order, scaled by the chosen g.
    const file = await parseSafetensorsHeader(byteSourceFromBytes(new Uint8Array(readFileSync(join(out, 'qroar-patched.safetensors'))), 'patched'));
    expect([...file.tensors.keys()].sort()).toEqual(
      Array.from({ length: 6 }, (_, l) => [`model.layers.${l}.self_attn.k_proj.weight`, `model.layers.${l}.self_attn.q_proj.weight`])
        .flat()
        .sort(),
    );
    const original = builtinTensors();
    const g = s.chosen.scales as number[];
    for (const name of ['model.layers.2.self_attn.q_proj.weight', 'model.layers.5.self_attn.k_proj.weight']) {
      const info = file.tensors.get(name)!;
      const patched = await readSafetensorsF32(info);
      const orig = original.get(name)!;
      const cols = 256;
      expect(info.shape[1]).toBe(cols);
      // half-split, headDim 64: band 0 = pairs 0–15 = rows 0–15 and 32–47 of each head
      for (const row of [0, 15, 32, 47, 16, 31, 48, 63, 64 + 5]) {
        const band = row % 64 < 16 || (row % 64 >= 32 && row % 64 < 48) ? 0 : 1;
        for (const c of [0, 101, 255]) expect(patched[row * cols + c]).toBe(Math.fround(orig[row * cols + c] * g[band]));
      }
    }
    const scales = parseQroarScalesJson(readFileSync(join(out, 'qroar-scales.json'), 'utf8'), 'scales');
    expect(scales).toMatchObject({
      variant: 'shared',
      rotaryDim: 64,
      pairLayout: 'half-split',
      bands: 'custom:0-15,16-31',
      bandSource: 'equal-log:2',
      scales: g,
    });
    expect(scales.model.hashes['bandscope-model-v1']).toBe(s.modelIdentity);

    // eval --qroar with the written file reproduces the search's own test NLL after.
    const e = await cli('eval', [
      '--model',
      'builtin',
      '--text',
      TEST,
      '--contexts',
      '512',
      '--windows',
      '1',
      '--rope',
      'yarn:2',
      '--quant',
      'rtn:w4g32a',
      '--qroar',
      join(out, 'qroar-scales.json'),
      '--json',
    ]);
    expect(e.code).toBe(0);
    expect(Math.abs(JSON.parse(e.stdout).contexts[0].nll - s.test.after.nll)).toBeLessThan(1e-6);
  }, 90_000);

  it('--help explains why symmetric is a no-op under row-local RTN without KV quant, and the noise, penalty and widening rules', async () => {
    const r = await cli('search', ['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Symmetric is a no-op under row-local RTN without KV-cache quantization/);
    expect(r.stdout).toMatch(/--test-windows N\].*default: all/);
    expect(r.stdout).toMatch(/--widen/);
    expect(r.stdout).toMatch(/max\(2 SE, 0\.00001 nats\)/);
    expect(r.stdout).toMatch(/Quantization penalty = NLL\(PTQ\) − NLL\(FP\)/);
  }, 30_000);

  it('symmetric with weight-only RTN is reported as a no-op: g = 1 everywhere, no candidates, a message', async () => {
    const j = await cli('search', [...BASE, '--variant', 'symmetric', '--json']);
    expect(j.code).toBe(0);
    const s = JSON.parse(j.stdout);
    expect(s.candidates).toEqual([]);
    expect(s.chosen.scales).toEqual([1, 1]);
    expect(s.noOp).toMatch(/cannot change the objective/);
    expect(s.penalty).toBeNull();
    const h = await cli('search', [...BASE, '--variant', 'symmetric']);
    expect(h.stdout).toMatch(/symmetric scales \[1\.0000, 1\.0000\] over 2 bands — no search: symmetric scales W_Q by g/);
  }, 60_000);

  const bad: Array<[string, string[], RegExp]> = [
    ['missing --test', ['--model', 'builtin', '--dev', DEV], /--test is required/],
    ['bad variant', [...BASE, '--variant', 'both'], /--variant must be one of/],
    ['bad window', [...BASE, '--window', '1.2,1.5'], /--window/],
    ['grid of one point', [...BASE, '--grid', '1'], /--grid must be an integer ≥ 2/],
    ['bad guard', [...BASE, '--guard', '-1'], /--guard/],
    ['one dev window', [...BASE, '--windows', '1'], /--windows must be an integer ≥ 2/],
    ['bad test windows', [...BASE, '--test-windows', '0'], /--test-windows must be an integer ≥ 1/],
    ['bad noise', [...BASE, '--noise', 'x'], /--noise must be a number/],
    ['bad kv', [...BASE, '--kv', 'int3:token:post'], /--kv/],
    ['dev text shorter than L′', ['--model', 'builtin', '--dev', shortText, '--test', TEST, '--rope', 'yarn:2'], /--dev has 300 tokens.*512/],
    ['missing dev file', ['--model', 'builtin', '--dev', join(dir, 'nope.txt'), '--test', TEST], /nope\.txt/],
  ];
  for (const [name, args, message] of bad) {
    it(`bad input → one stderr line, exit 2: ${name}`, async () => {
      const r = await cli('search', args);
      expect(r.stdout).toBe('');
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(message);
      expect(r.code).toBe(2);
    }, 30_000);
  }
});
