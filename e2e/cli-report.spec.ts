import { expect, test, type Page } from '@playwright/test';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

// Issue #10 item 4: a run made with the CLI (as on a GPU server) opens in the dashboard through
// "Open report…" and draws its charts from the file, with the numbers the CLI printed.
const run = promisify(execFile);
const chart = (page: Page, id: string) => page.locator(`[data-chart="${id}"]`);
const dir = mkdtempSync(join(tmpdir(), 'bandscope-cli-report-'));

/** Runs `bandscope <args> --json` from the repository root (Playwright's cwd) and returns the parsed stdout. */
async function cli(args: string[]): Promise<Record<string, unknown>> {
  const { stdout } = await run(process.execPath, ['--import', 'tsx', 'cli/main.ts', ...args, '--json'], {
    cwd: process.cwd(),
    maxBuffer: 64 * 1024 * 1024,
    env: { ...process.env, BANDSCOPE_DEBUG: '' },
  });
  return JSON.parse(stdout) as Record<string, unknown>;
}

async function openReport(page: Page, path: string): Promise<void> {
  await page.getByLabel('Open a saved report').setInputFiles({ name: 'cli-report.json', mimeType: 'application/json', buffer: readFileSync(path) });
  await expect(page.getByTestId('report-open')).toBeVisible();
}

test.describe('CLI run reports in the dashboard', () => {
  test('bandscope search --report: the search result card shows the scales and test perplexity the CLI printed', async ({ page }) => {
    test.setTimeout(300_000);
    const path = join(dir, 'search.json');
    // Small: YaRN ×2 to 512, 2 bands, 3 grid points, 2 dev windows, 1 test window (≈ 15 s on 2 cores).
    const printed = (await cli([
      'search',
      '--model',
      'builtin',
      '--dev',
      'public/text/brown-dev.txt',
      '--test',
      'public/text/brown-test.txt',
      '--rope',
      'yarn:2',
      '--bands',
      'equal-log:2',
      '--grid',
      '3',
      '--window',
      '0.95,1.05',
      '--windows',
      '2',
      '--test-windows',
      '1',
      '--report',
      path,
    ])) as { chosen: { scales: number[] }; candidates: unknown[]; modelIdentity: string };
    const report = JSON.parse(readFileSync(path, 'utf8')) as { version: number; model: { identity: string }; search: { run: { test: { after: number[] } } } };
    expect(report.version).toBe(2);
    expect(report.model.identity).toBe(printed.modelIdentity);

    await page.goto('/');
    await openReport(page, path);
    const card = page.locator('[data-search-result]');
    await expect(card).toBeVisible();
    await expect(card).toContainText(`${printed.candidates.length} candidates`);
    const shown = await card.locator('[data-chosen-scale]').evaluateAll((cells) => cells.map((c) => Number(c.getAttribute('data-chosen-scale'))));
    expect(shown).toEqual(printed.chosen.scales);
    await expect(card.locator('[data-test-after]').first()).toHaveAttribute('data-test-after', String(report.search.run.test.after[0]));
    await expect(card).toContainText(printed.chosen.scales[0].toFixed(4));
    for (const id of ['search-candidates', 'pressure-band', 'pressure-pair']) await expect(chart(page, id)).toHaveAttribute('data-state', 'ready');

    // A report from a newer Bandscope is refused with the versions this dashboard reads.
    const newer = { ...JSON.parse(readFileSync(path, 'utf8')), version: 99 };
    await page.getByRole('button', { name: 'Back to live view' }).click();
    await page
      .getByLabel('Open a saved report')
      .setInputFiles({ name: 'newer.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(newer)) });
    await expect(page.getByTestId('report-error')).toContainText(
      'written by a newer Bandscope (report version 99) and this dashboard reads report versions 1 to 2',
    );
  });

  test('bandscope eval and diagnose --report: the perplexity curve holds the printed perplexities; the diagnostics charts draw from the file', async ({
    page,
  }) => {
    test.setTimeout(300_000);
    const evalPath = join(dir, 'eval.json');
    const printed = (await cli([
      'eval',
      '--model',
      'builtin',
      '--text',
      'public/text/brown-test.txt',
      '--contexts',
      '128,512',
      '--windows',
      '2',
      '--rope',
      'yarn:2',
      '--quant',
      'rtn:w4g32a',
      '--report',
      evalPath,
    ])) as {
      contexts: Array<{ context: number; ppl: number }>;
    };
    await page.goto('/');
    await openReport(page, evalPath);
    const ppl = chart(page, 'ppl-context');
    await expect(ppl).toHaveAttribute('data-state', 'ready');
    await expect(ppl).toContainText('From the opened report.');
    const [download] = await Promise.all([page.waitForEvent('download'), ppl.getByRole('button', { name: /download JSON/ }).click()]);
    const rows = readFileSync((await download.path())!, 'utf8');
    for (const c of printed.contexts) expect(rows).toContain(String(c.ppl));
    await page.getByRole('button', { name: 'Back to live view' }).click();

    const diagnosePath = join(dir, 'diagnose.json');
    await cli([
      'diagnose',
      '--model',
      'builtin',
      '--text',
      'public/text/brown-test.txt',
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
      '--report',
      diagnosePath,
    ]);
    await openReport(page, diagnosePath);
    for (const id of ['tir-heatmap', 'tir-pair', 'logit-error-distance', 'logit-error-query', 'ip-activation']) {
      await expect(chart(page, id)).toHaveAttribute('data-state', 'ready');
      await expect(chart(page, id)).toContainText('From the opened report.');
    }
    // The CLI does not capture logits, so the report has no KL; the card says so instead of computing one.
    await expect(chart(page, 'kl-position')).toContainText('This report holds no quantized-run diagnostics.');

    // Compare shows the diagnostics sections each report holds (the eval report has none).
    await page
      .getByLabel('Open the left report to compare')
      .setInputFiles({ name: 'diagnose.json', mimeType: 'application/json', buffer: readFileSync(diagnosePath) });
    await page
      .getByLabel('Open the right report to compare')
      .setInputFiles({ name: 'eval.json', mimeType: 'application/json', buffer: readFileSync(evalPath) });
    for (const id of ['tir-heatmap', 'logit-error-distance', 'ip-activation'])
      await expect(chart(page, `compare-left:${id}`)).toHaveAttribute('data-state', 'ready');
    await expect(chart(page, 'compare-right:tir-heatmap')).toHaveCount(0);
    await expect(chart(page, 'compare-right:ppl-context')).toHaveAttribute('data-state', 'ready');
    await expect(page.getByTestId('compare-diff')).toContainText('TIR, logit error, activation IP at 512 tokens');
  });
});
