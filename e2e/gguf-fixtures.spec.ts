// Real GGUF files other people made (the team's ../shared/fixtures; a user's clone has none, so
// these skip with a message): opened from the file input alone, their embedded tokenizers run in
// the engine worker and the perplexity chart is drawn; the trained-window setting overrides the
// window the file states.
import { expect, test, type Page } from '@playwright/test';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { requantizeGgufLinearsQ4_0 } from '../lib/model/testing/ggufRequant';
import { join } from 'node:path';

const FIXTURES = join(import.meta.dirname, '..', '..', 'shared', 'fixtures');
const STORIES = join(FIXTURES, 'stories260K', 'stories260K.gguf');
const LLAMA2_VOCAB = join(FIXTURES, 'llama2-tiny-random', 'llama-2-tiny-random.gguf');
const chart = (page: Page, id: string) => page.locator(`[data-chart="${id}"]`);

test.describe('real GGUF files from elsewhere', () => {
  test.skip(!existsSync(STORIES) || !existsSync(LLAMA2_VOCAB), `skipped: ${FIXTURES} is absent (the team's ../shared/fixtures; a user's clone has none)`);

  test('stories260K.gguf from the file input alone: embedded SentencePiece tokenizer, its true window set by the user, perplexity drawn', async ({ page }) => {
    await page.goto('/?cmp=&wq=off&L=512&s=2&ctx=1024');
    await page.getByLabel('Open a GGUF file').setInputFiles(STORIES);
    await expect(page.getByTestId('model-label')).toContainText('GGUF: stories260K.gguf');
    await expect(page.getByTestId('tokenizer-line')).toContainText(/GGUF-embedded SentencePiece.*512 tokens/);
    await expect(page.getByTestId('tokenizer-line')).toContainText(/BOS 1/);
    await expect(page.getByTestId('trained-window-source')).toContainText('Set by you');
    await expect(page.getByTestId('trained-window-source')).toContainText('llama.context_length = 2048');
    const ppl = chart(page, 'ppl-context');
    await expect(ppl).toHaveAttribute('data-state', 'ready', { timeout: 170_000 });
    await expect(ppl).not.toContainText('failed');
    await page.getByRole('button', { name: "Use the file's" }).click();
    await expect(page.getByTestId('trained-window-source')).toContainText('From llama.context_length');
  });

  test('the real Llama-2 vocabulary (random weights) opens and tokenizes in the worker', async ({ page }) => {
    await page.goto('/?cmp=&wq=off&ctx=512');
    await page.getByLabel('Open a GGUF file').setInputFiles(LLAMA2_VOCAB);
    await expect(page.getByTestId('tokenizer-line')).toContainText(/32000 tokens/);
    const ppl = chart(page, 'ppl-context');
    await expect(ppl).toHaveAttribute('data-state', 'ready', { timeout: 170_000 });
  });

  test("stories260K rewritten with Q4_0 linears (as a user would download it): the page runs the file's own blocks as MatMulNBits on WASM", async ({
    page,
  }) => {
    const { bytes, quantized } = await requantizeGgufLinearsQ4_0(new Uint8Array(readFileSync(STORIES)), 'stories260K.gguf');
    expect(quantized).toBeGreaterThan(0);
    const path = join(tmpdir(), 'bandscope-stories260K-q4_0.gguf');
    writeFileSync(path, bytes);
    await page.goto('/?cmp=&wq=off&L=512&s=2&ctx=1024');
    await page.getByLabel('Open a GGUF file').setInputFiles(path);
    await expect(page.getByTestId('model-label')).toContainText(`the file's own blocks run as MatMulNBits for ${quantized} of`);
    const ppl = chart(page, 'ppl-context');
    await expect(ppl).toHaveAttribute('data-state', 'ready', { timeout: 170_000 });
    await expect(ppl).not.toContainText('failed');
  });
});
