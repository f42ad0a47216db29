// `--report` of eval and diagnose (issue #10 item 4): the real CLI on the built-in model writes the
// dashboard's RunReport; the dashboard's reader (lib/report parseReport) opens it and finds the numbers
// the same run printed with --json. (search --report: cli/commands/search.test.ts.)
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseReport } from '../../lib/report/report';
import { REPO, runCli } from '../testing/spawnCli';
import { cliReportSettings } from './report';

const TEXT = join(REPO, 'public/text/brown-test.txt');
const dir = mkdtempSync(join(tmpdir(), 'bandscope-report-'));

describe('--report', () => {
  it('eval: the curve the dashboard draws holds the perplexities --json printed', async () => {
    const path = join(dir, 'eval.json');
    const r = await runCli([
      'eval',
      '--model',
      'builtin',
      '--text',
      TEXT,
      '--contexts',
      '512,128',
      '--windows',
      '2',
      '--rope',
      'ntk:2',
      '--quant',
      'rtn:w4g64s',
      '--report',
      path,
      '--json',
    ]);
    expect(r.code).toBe(0);
    const printed = JSON.parse(r.stdout);
    const { report, settings, notes } = parseReport(readFileSync(path, 'utf8'));
    expect(notes).toEqual([]);
    expect(report.model.identity).toBe(printed.modelIdentity);
    expect(report.device).toBe(printed.device);
    expect(settings).toMatchObject({
      model: { kind: 'builtin' },
      pi: { method: 'ntk', factor: 2 },
      targetContextTokens: 512,
      weightQuant: { bits: 4, group: 64, symmetric: true, layers: 'all' },
      kvQuant: null,
      text: 'brown',
    });
    const curve = report.perplexity!.curves[0];
    expect(curve).toMatchObject({ method: 'ntk', variant: 'ptq', contextTokens: [128, 512] });
    const byContext = new Map(printed.contexts.map((c: { context: number; ppl: number }) => [c.context, c.ppl]));
    expect(curve.perplexity).toEqual([byContext.get(128), byContext.get(512)]);
    expect(report.perplexity!.trainedWindowTokens).toBe(256);
    expect(report.pressure!.targetWindowTokens).toBe(512);
    expect(r.stderr).toMatch(/wrote the run report/);
  }, 60_000);

  it('diagnose: the diagnostics record holds the TIR, activation IP and logit error --json printed', async () => {
    const path = join(dir, 'diagnose.json');
    const r = await runCli([
      'diagnose',
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
      '--tail',
      '0.99',
      '--report',
      path,
      '--json',
    ]);
    expect(r.code).toBe(0);
    const printed = JSON.parse(r.stdout);
    const { report, settings } = parseReport(readFileSync(path, 'utf8'));
    expect(settings).toMatchObject({ pi: { method: 'yarn', factor: 2 }, targetContextTokens: 512, tirQuantile: 0.99, bands: { kind: 'equal-log', count: 2 } });
    const d = report.diagnostics!;
    expect(d).toMatchObject({ longTokens: 512, shortTokens: 256, pairCount: 256, seed: 1, kl: null });
    const keys = [
      ['q-pre', 'qPre'],
      ['k-pre', 'kPre'],
      ['q-post', 'qPost'],
      ['k-post', 'kPost'],
    ] as const;
    for (const [tensor, key] of keys) {
      expect(d.tir[tensor].layers).toEqual([0, 3]);
      expect(d.tir[tensor].tirLayerBand).toEqual(
        printed.layers.flatMap((l: { bands: Array<{ tir: Record<string, number> }> }) => l.bands.map((b) => b.tir[key])),
      );
    }
    expect(d.activationIp!.ipLayerBand).toEqual(printed.layers.flatMap((l: { bands: Array<{ ipActivation: number }> }) => l.bands.map((b) => b.ipActivation)));
    const bins = printed.logitError.distanceBins.filter((b: { count: number }) => b.count > 0);
    expect(d.logitErrorDistance!.rmsTotal).toEqual(bins.map((b: { rmsTotal: number }) => b.rmsTotal));
    expect(d.logitErrorDistance!.rmsPerBand[1]).toEqual(bins.map((b: { rmsByBand: number[] }) => b.rmsByBand[1]));
    expect(report.pressure!.ipPerBand).toEqual(printed.bands.map((b: { ipAnalytic: number }) => b.ipAnalytic));
  }, 60_000);

  it('refuses, before any run, settings the dashboard cannot represent, and an unwritable path', async () => {
    expect(() =>
      cliReportSettings('eval', {
        modelArg: 'builtin',
        rope: { method: 'none', factor: 1 },
        contextTokens: 256,
        rtn: { bits: 4, groupSize: 48, symmetric: false },
        textPaths: [TEXT],
      }),
    ).toThrow(/eval: --report: the dashboard cannot represent --quant group size 48 \(it offers 32, 64, 128, 256, channel\)/);
    const r = await runCli([
      'eval',
      '--model',
      'builtin',
      '--text',
      TEXT,
      '--contexts',
      '64',
      '--windows',
      '1',
      '--report',
      join(dir, 'no', 'such', 'dir.json'),
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/cannot write --report .*ENOENT/);
  }, 30_000);
});
