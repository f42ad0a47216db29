import { expect, test } from '@playwright/test';
import { screenshotPath } from './screenshotPath';

// Saves the README screenshots of the main view, light and dark, once every default chart is drawn.
test('screenshots of the main view', async ({ page }) => {
  await page.setViewportSize({ width: 1500, height: 1000 });
  await page.goto('/');
  for (const id of ['pressure-pair', 'pressure-band', 'ppl-context']) {
    await expect(page.locator(`[data-chart="${id}"]`)).toHaveAttribute('data-state', 'ready', { timeout: 170_000 });
  }
  // Every chart of the default view drawn (the diagnostics come from their own engine runs);
  // the search chart waits for "Run search" in its idle state, which is not loading.
  await expect(page.locator('[data-chart="search-candidates"]')).toHaveAttribute('data-state', 'idle');
  await expect(page.locator('[data-chart][data-state="loading"]')).toHaveCount(0, { timeout: 170_000 });
  await page.waitForTimeout(500);
  await page.screenshot({ path: screenshotPath('dashboard-light.png'), fullPage: true });
  await page.getByRole('button', { name: 'Switch to dark theme' }).click();
  await page.waitForTimeout(500);
  await page.screenshot({ path: screenshotPath('dashboard-dark.png'), fullPage: true });
});
