import { expect, test, type Page } from '@playwright/test';

const chart = (page: Page, id: string) => page.locator(`[data-chart="${id}"]`);
const DIAGNOSTICS = ['tir-heatmap', 'tir-pair', 'logit-error-distance', 'logit-error-query', 'kl-position', 'ip-activation'];

test.describe('diagnostics', () => {
  test('default open: TIR, logit error, KL and activation IP reach ready from real runs; the TIR picker redraws; a saved report reopens them', async ({
    page,
  }) => {
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto('/');
    for (const id of DIAGNOSTICS) await expect(chart(page, id)).toHaveAttribute('data-state', 'ready', { timeout: 170_000 });
    // Definitions (SPEC §4) are stated beside the charts.
    await expect(chart(page, 'tir-heatmap')).toContainText('TIR_B = Q_p(|X_B|');
    await expect(chart(page, 'logit-error-distance')).toContainText('ε(m, n) = ℓ_quant(m, n) − ℓ_ref(m, n)');
    // The noise floor (FP with float16 weights vs FP) under the logit error and KL, in the same job.
    for (const [id, column] of [
      ['logit-error-distance', 'noiseFloorRmsTotal'],
      ['kl-position', 'noiseFloorKlNats'],
    ] as const) {
      await expect(chart(page, id)).toContainText('Shaded: the noise floor');
      const [file] = await Promise.all([
        page.waitForEvent('download'),
        chart(page, id)
          .getByRole('button', { name: /download JSON/ })
          .click(),
      ]);
      let body = '';
      for await (const chunk of await file.createReadStream()) body += chunk.toString();
      const rows = JSON.parse(body) as Array<Record<string, number>>;
      expect(
        rows.some((r) => r[column] > 0),
        `${id}: a nonzero floor`,
      ).toBe(true);
      if (column === 'noiseFloorRmsTotal')
        expect(
          rows.every((r) => r[column] < r.rmsTotal),
          `${id}: floor below the quantized error`,
        ).toBe(true);
    }

    const picker = page.getByLabel('TIR tensor (heat map)');
    await expect(picker).toHaveValue('k-post');
    await picker.selectOption('q-pre');
    await expect(page.locator('[data-tir-tensor="q-pre"]')).toHaveCount(1);
    await expect(page.getByLabel('TIR tensor (per pair)')).toHaveValue('q-pre');
    await expect(chart(page, 'tir-heatmap')).toHaveAttribute('data-state', 'ready');
    await expect(chart(page, 'tir-pair')).toHaveAttribute('data-state', 'ready');
    // CSV export of the heat map carries the chosen tensor.
    const download = page.waitForEvent('download');
    await chart(page, 'tir-heatmap')
      .getByRole('button', { name: /download CSV/ })
      .click();
    const csv = await (await download).createReadStream();
    let text = '';
    for await (const chunk of csv) text += chunk.toString();
    expect(text.split(/\r?\n/)[1]).toMatch(/^"?q-pre"?,0,/);

    // The saved report carries the diagnostics; reopening draws them without recomputing.
    const [saved] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Save report' }).click()]);
    let reportText = '';
    for await (const chunk of await saved.createReadStream()) reportText += chunk.toString();
    const report = JSON.parse(reportText);
    expect(report.diagnostics.tir['k-post'].tirLayerBand.length).toBeGreaterThan(0);
    expect(report.diagnostics.kl.klNats.length).toBe(report.diagnostics.longTokens);
    await page.getByLabel('Open a saved report').setInputFiles({ name: 'run.json', mimeType: 'application/json', buffer: Buffer.from(reportText) });
    for (const id of DIAGNOSTICS) {
      await expect(chart(page, id)).toHaveAttribute('data-state', 'ready');
      await expect(chart(page, id)).toContainText('From the opened report.');
    }
    expect(errors).toEqual([]);
  });

  test('applied Q-ROAR scales carry into the logit error and KL (quantized + Q-ROAR vs FP)', async ({ page }) => {
    await page.goto('/?g=1.1,1,0.9,1');
    for (const id of ['logit-error-distance', 'kl-position']) {
      await expect(chart(page, id)).toHaveAttribute('data-state', 'ready', { timeout: 170_000 });
      await expect(chart(page, id)).toContainText('Quantized model with the applied Q-ROAR scales vs full precision.');
    }
  });
});
