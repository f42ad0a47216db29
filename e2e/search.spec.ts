import { expect, test, type Page } from '@playwright/test';

// A short scenario keeps the search quick: YaRN ×2 to 512, 2 bands, no overlay methods.
const SHORT = '/?s=2&ctx=512&bands=equal-log:2&cmp=yarn';
const panel = (page: Page) => page.locator('[data-search-state]');

test.describe('Q-ROAR search', () => {
  test('a short search streams candidates and ends with a result card; Apply adds the Q-ROAR curve', async ({ page }) => {
    test.setTimeout(400_000);
    await page.goto(SHORT);
    await expect(panel(page)).toHaveAttribute('data-search-state', 'idle');
    await page.getByLabel('Search grid points per band').fill('3');
    const run = page.getByRole('button', { name: 'Run search' });
    await expect(run).toBeEnabled({ timeout: 60_000 });
    await run.click();
    await expect(panel(page)).toHaveAttribute('data-search-state', 'running');
    await expect(page.locator('[data-chart="search-candidates"]')).toHaveAttribute('data-state', 'ready', { timeout: 240_000 });
    await expect(panel(page)).toHaveAttribute('data-search-state', 'done', { timeout: 300_000 });
    const card = page.locator('[data-search-result]');
    await expect(card).toBeVisible();
    // 1 baseline + 2 bands × 2 non-incumbent points.
    await expect(card).toContainText('5 candidates');
    const after = await card.locator('[data-test-after]').first().getAttribute('data-test-after');
    const before = await card.locator('[data-test-before]').first().getAttribute('data-test-before');
    expect(Number(after)).toBeGreaterThan(1);
    expect(Number(before)).toBeGreaterThan(1);
    await expect(card.locator('[data-chosen-scale]')).toHaveCount(2);
    await expect(card).toContainText('Short-context check');

    await page.getByRole('button', { name: 'Apply the chosen scales to every view' }).click();
    await expect(page).toHaveURL(/[?&]g=/);
  });

  test('cancel stops the search between candidates', async ({ page }) => {
    test.setTimeout(300_000);
    await page.goto(SHORT);
    await page.getByLabel('Search grid points per band').fill('5');
    const run = page.getByRole('button', { name: 'Run search' });
    await expect(run).toBeEnabled({ timeout: 60_000 });
    await run.click();
    await expect(panel(page)).toHaveAttribute('data-search-state', 'running');
    await page.getByRole('button', { name: 'Cancel search' }).click();
    await expect(panel(page)).toHaveAttribute('data-search-state', 'cancelled', { timeout: 60_000 });
    await expect(page.locator('[data-search-result]')).toHaveCount(0);
    await expect(page.getByRole('button', { name: 'Run search' })).toBeEnabled();
  });
});
