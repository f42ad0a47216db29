import { expect, test, type Page } from '@playwright/test';
import { readFileSync } from 'node:fs';

const chart = (page: Page, id: string) => page.locator(`[data-chart="${id}"]`);

test.describe('dashboard', () => {
  test('opens ready, stays on its own origin, and follows a PI change', async ({ page, baseURL }) => {
    const foreign: string[] = [];
    page.on('request', (r) => {
      const url = r.url();
      if (!url.startsWith(baseURL!) && !url.startsWith('data:') && !url.startsWith('blob:')) foreign.push(url);
    });
    await page.goto('/');
    await expect(chart(page, 'pressure-pair')).toHaveAttribute('data-state', 'ready');
    await expect(chart(page, 'pressure-band')).toHaveAttribute('data-state', 'ready');
    await expect(chart(page, 'ppl-context')).toHaveAttribute('data-state', 'ready', { timeout: 170_000 });
    await expect(page.getByTestId('device-used')).toContainText(/wasm|webgpu/);

    await page.getByLabel('PI method', { exact: true }).selectOption('linear');
    await expect(page).toHaveURL(/pi=linear/);
    await expect(chart(page, 'pressure-pair')).toHaveAttribute('data-state', 'ready');
    // The definition is stated beside the chart.
    await expect(chart(page, 'pressure-pair')).toContainText('IP_i = (L′/2π)');
    expect(foreign).toEqual([]);
  });

  test('perplexity y-axis: auto picks log when curves differ more than 3×, the toggle overrides it and lives in the link', async ({ page }) => {
    // Linear PI ×4 reaches perplexity ~50 at 1024 where YaRN stays near 3.6: auto must choose log.
    await page.goto('/?pi=linear&s=4&ctx=1024&wq=off&cmp=yarn');
    const ppl = chart(page, 'ppl-context');
    await expect(ppl).toHaveAttribute('data-state', 'ready', { timeout: 170_000 });
    const axis = page.getByRole('radiogroup', { name: 'Perplexity y-axis scale' });
    await expect(axis.getByRole('radio', { name: 'auto (log)' })).toHaveAttribute('aria-checked', 'true');
    await axis.getByRole('radio', { name: 'linear' }).click();
    await expect(page).toHaveURL(/ppy=linear/);
    await expect(axis.getByRole('radio', { name: 'linear' })).toHaveAttribute('aria-checked', 'true');
    await expect(ppl).toHaveAttribute('data-state', 'ready');
    // The default scenario's curves stay within 3×: auto keeps a linear axis.
    await page.goto('/?wq=off&cmp=');
    await expect(chart(page, 'ppl-context')).toHaveAttribute('data-state', 'ready', { timeout: 170_000 });
    await expect(page.getByRole('radiogroup', { name: 'Perplexity y-axis scale' }).getByRole('radio', { name: 'auto (linear)' })).toBeVisible();
  });

  test('the quantization-gap chart comes first, reaches ready on a fresh open, switches views, and downloads as SVG and PNG', async ({ page }) => {
    test.setTimeout(240_000);
    await page.goto('/');
    const gap = chart(page, 'compounding');
    // First chart on the page: it answers the product's question.
    expect(await page.locator('main [data-chart]').first().getAttribute('data-chart')).toBe('compounding');
    await expect(gap).toHaveAttribute('data-state', 'ready', { timeout: 170_000 });
    await expect(gap).toContainText('PPL_PTQ/PPL_FP − 1');
    await expect(gap.getByRole('radio', { name: 'relative PPL gap' })).toHaveAttribute('aria-checked', 'true');
    const rowsOf = async () => {
      const [file] = await Promise.all([page.waitForEvent('download'), gap.getByRole('button', { name: /download JSON/ }).click()]);
      return JSON.parse(readFileSync((await file.path())!, 'utf8')) as Array<Record<string, number | string>>;
    };
    // The image downloads: PNG from the canvas, SVG from echarts' SVG renderer (loaded on the first SVG download).
    const [svgFile] = await Promise.all([page.waitForEvent('download'), gap.getByRole('button', { name: /download SVG/ }).click()]);
    const svg = readFileSync((await svgFile.path())!, 'utf8');
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg).toContain('<path');
    const [pngFile] = await Promise.all([page.waitForEvent('download'), gap.getByRole('button', { name: /download PNG/ }).click()]);
    expect(
      readFileSync((await pngFile.path())!)
        .subarray(1, 4)
        .toString('latin1'),
    ).toBe('PNG');
    const contexts = await rowsOf();
    expect(contexts.length).toBeGreaterThan(0);
    expect(contexts.every((r) => r.stage === 'before' && typeof r.relativePplGap === 'number' && typeof r.absolutePplGap === 'number')).toBe(true);
    // The same numbers as the perplexity chart: relative = PTQ/FP − 1 of its rows.
    await expect(chart(page, 'ppl-context')).toHaveAttribute('data-state', 'ready', { timeout: 170_000 });
    const [pplFile] = await Promise.all([
      page.waitForEvent('download'),
      chart(page, 'ppl-context')
        .getByRole('button', { name: /download JSON/ })
        .click(),
    ]);
    const ppl = JSON.parse(readFileSync((await pplFile.path())!, 'utf8')) as Array<{
      method: string;
      variant: string;
      contextTokens: number;
      perplexity: number;
    }>;
    const at = (method: string, variant: string, c: number) =>
      ppl.find((r) => r.method === method && r.variant === variant && r.contextTokens === c)?.perplexity;
    const first = contexts[0];
    expect(Number(first.relativePplGap)).toBeCloseTo(
      at(String(first.method), 'ptq', Number(first.contextTokens))! / at(String(first.method), 'fp', Number(first.contextTokens))! - 1,
      9,
    );

    await gap.getByRole('radio', { name: 'per-position NLL gap' }).click();
    await expect(gap).toHaveAttribute('data-state', 'ready');
    const positions = await rowsOf();
    expect(positions.length).toBeGreaterThan(3);
    expect(positions.every((r) => typeof r.nllGapNats === 'number' && Number(r.positionLo) < Number(r.positionHi))).toBe(true);
    await gap.getByRole('radio', { name: 'absolute PPL gap' }).click();
    await expect(gap).toHaveAttribute('data-state', 'ready');
  });

  test('settings survive a reload', async ({ page }) => {
    await page.goto('/?pi=ntk&s=2&ctx=512&bands=equal-log:6');
    await expect(page.getByLabel('PI method', { exact: true })).toHaveValue('ntk');
    await page.reload();
    await expect(page.getByLabel('PI method', { exact: true })).toHaveValue('ntk');
    await expect(page.getByLabel('Band partition')).toHaveValue('equal-log:6');
    await expect(chart(page, 'pressure-band')).toHaveAttribute('data-state', 'ready');
  });

  test('a corrupt report gives a clear error and the page keeps working', async ({ page }) => {
    await page.goto('/');
    await expect(chart(page, 'pressure-pair')).toHaveAttribute('data-state', 'ready');
    await page
      .getByLabel('Open a saved report')
      .setInputFiles({ name: 'broken.json', mimeType: 'application/json', buffer: Buffer.from('{"format": "bandscope-report", "version": 1, ') });
    await expect(page.getByTestId('report-error')).toContainText('not a JSON file');
    await page.getByLabel('PI method', { exact: true }).selectOption('ntk');
    await expect(chart(page, 'pressure-pair')).toHaveAttribute('data-state', 'ready');
  });

  test('save a report, reopen it, see the same numbers', async ({ page }) => {
    await page.goto('/?cmp=');
    await expect(chart(page, 'ppl-context')).toHaveAttribute('data-state', 'ready', { timeout: 170_000 });
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Save report' }).click()]);
    const path = await download.path();
    const saved = JSON.parse(readFileSync(path!, 'utf8'));
    expect(saved.format).toBe('bandscope-report');
    expect(saved.perplexity.curves.length).toBeGreaterThan(0);

    await page.goto('/?pi=linear');
    await page.getByLabel('Open a saved report').setInputFiles(path!);
    await expect(page.getByTestId('report-open')).toBeVisible();
    await expect(page).not.toHaveURL(/pi=linear/);
    await expect(chart(page, 'ppl-context')).toHaveAttribute('data-state', 'ready');
    const [csv] = await Promise.all([
      page.waitForEvent('download'),
      chart(page, 'ppl-context')
        .getByRole('button', { name: /download JSON/ })
        .click(),
    ]);
    const rows = JSON.parse(readFileSync((await csv.path())!, 'utf8')) as Array<{ method: string; variant: string; contextTokens: number; perplexity: number }>;
    const first = saved.perplexity.curves[0];
    const row = rows.find((r) => r.method === first.method && r.variant === first.variant && r.contextTokens === first.contextTokens[0]);
    expect(row?.perplexity).toBe(first.perplexity[0]);
  });
});
