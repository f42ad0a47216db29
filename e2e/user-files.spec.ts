// The user's own model files through the file inputs: a real HF folder (the built-in model's own
// files copied to a temp folder) runs end to end in the worker; corrupt files give a clear error
// in place and the page keeps working.
import { expect, test, type Page } from '@playwright/test';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const BUILTIN = join(import.meta.dirname, '..', 'public', 'models', 'bandscope-byte-4m');
const chart = (page: Page, id: string) => page.locator(`[data-chart="${id}"]`);
let root = '';

test.beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'bandscope-e2e-'));
  const good = join(root, 'my-byte-llama');
  mkdirSync(good);
  for (const f of ['config.json', 'model.safetensors', 'bandscope_tokenizer.json']) copyFileSync(join(BUILTIN, f), join(good, f));
  // The same model with a Hugging Face tokenizer.json instead of the byte tokenizer: BPE without
  // merges over single ASCII characters (id = char code), split at newlines — byte ids again for
  // the ASCII Brown text, but computed by @huggingface/tokenizers in the engine worker.
  const hfTok = join(root, 'hf-tokenizer-llama');
  mkdirSync(hfTok);
  for (const f of ['config.json', 'model.safetensors']) copyFileSync(join(BUILTIN, f), join(hfTok, f));
  const vocab: Record<string, number> = { '[UNK]': 0 };
  for (let c = 1; c < 128; c++) vocab[String.fromCharCode(c)] = c;
  writeFileSync(
    join(hfTok, 'tokenizer.json'),
    JSON.stringify({
      version: '1.0',
      truncation: null,
      padding: null,
      normalizer: null,
      post_processor: null,
      decoder: null,
      added_tokens: [{ id: 0, content: '[UNK]', single_word: false, lstrip: false, rstrip: false, normalized: false, special: true }],
      pre_tokenizer: { type: 'Split', pattern: { Regex: '\\n' }, behavior: 'Isolated', invert: false },
      model: {
        type: 'BPE',
        vocab,
        merges: [],
        unk_token: '[UNK]',
        dropout: null,
        continuing_subword_prefix: null,
        end_of_word_suffix: null,
        fuse_unk: false,
        byte_fallback: false,
      },
    }),
  );
  // Header intact, tensor data cut short: only reading the tensors can find it.
  const bad = join(root, 'truncated-llama');
  mkdirSync(bad);
  copyFileSync(join(BUILTIN, 'config.json'), join(bad, 'config.json'));
  const weights = readFileSync(join(BUILTIN, 'model.safetensors'));
  writeFileSync(join(bad, 'model.safetensors'), weights.subarray(0, weights.length >> 1));
});

test.afterAll(() => {
  if (root) rmSync(root, { recursive: true, force: true });
});

test.describe('user model files', () => {
  test('an HF folder opened through the file input runs with W_Q,W_K-only RTN and KV quant', async ({ page, baseURL }) => {
    const foreign: string[] = [];
    page.on('request', (r) => {
      const url = r.url();
      if (!url.startsWith(baseURL!) && !url.startsWith('data:') && !url.startsWith('blob:')) foreign.push(url);
    });
    await page.goto('/?cmp=yarn&wq=w4g32a@qk&kv=kv8-token-post');
    await expect(chart(page, 'pressure-pair')).toHaveAttribute('data-state', 'ready');
    await page.getByLabel('Open a Hugging Face model folder').setInputFiles(join(root, 'my-byte-llama'));
    await expect(page.getByTestId('model-label')).toContainText('Folder: my-byte-llama');
    await expect(page.getByTestId('model-label')).toContainText(/a full-precision run at \d+ tokens peaks at [\d.]+ MiB of a [\d.]+ [GM]iB budget/);
    await expect(chart(page, 'pressure-pair')).toHaveAttribute('data-state', 'ready');
    const ppl = chart(page, 'ppl-context');
    await expect(ppl).toHaveAttribute('data-state', 'ready', { timeout: 170_000 });
    await expect(ppl).not.toContainText('not run');
    await expect(ppl).not.toContainText('failed');
    expect(foreign).toEqual([]);
  });

  test('corrupt files give a clear error in place; the built-in model still works afterwards', async ({ page }) => {
    await page.goto('/?cmp=yarn&wq=off');
    await expect(chart(page, 'pressure-pair')).toHaveAttribute('data-state', 'ready');

    await page
      .getByLabel('Open a GGUF file')
      .setInputFiles({ name: 'broken.gguf', mimeType: 'application/octet-stream', buffer: Buffer.from('XXXX this is not a GGUF file at all') });
    await expect(page.getByTestId('model-label')).toContainText(/broken\.gguf.*(magic|GGUF)/i);
    await expect(chart(page, 'pressure-pair')).toHaveAttribute('data-state', 'error');
    await expect(chart(page, 'ppl-context')).toHaveAttribute('data-state', 'error');

    await page.getByLabel('Open a Hugging Face model folder').setInputFiles(join(root, 'truncated-llama'));
    const ppl = chart(page, 'ppl-context');
    await expect(ppl).toHaveAttribute('data-state', 'error', { timeout: 120_000 });
    await expect(ppl).toContainText(/model\.safetensors.*(truncated|outside the file|past the end)/);

    await page.getByRole('button', { name: 'Use built-in model' }).click();
    await expect(page.getByTestId('model-label')).toContainText('Built-in');
    await expect(chart(page, 'pressure-pair')).toHaveAttribute('data-state', 'ready');
    await expect(ppl).toHaveAttribute('data-state', 'ready', { timeout: 170_000 });
  });

  test('a model over the memory budget is refused up front with both numbers', async ({ page }) => {
    // 0.05 GB reported → a 60% budget of ~30.7 MB, below the ~58 MB this model needs at load.
    await page.addInitScript(() => Object.defineProperty(Navigator.prototype, 'deviceMemory', { get: () => 0.05, configurable: true }));
    await page.goto('/?cmp=yarn&wq=off');
    await page.getByLabel('Open a Hugging Face model folder').setInputFiles(join(root, 'my-byte-llama'));
    await expect(page.getByTestId('model-label')).toContainText(/too large.*needs [\d.]+ MiB at peak.*available 30\.72 MiB.*60% of the 0\.05 GB/);
    await expect(chart(page, 'ppl-context')).toHaveAttribute('data-state', 'error');
  });

  test('a folder with a Hugging Face tokenizer.json tokenizes in the worker and runs', async ({ page }) => {
    await page.goto('/?cmp=yarn&wq=off');
    await page.getByLabel('Open a Hugging Face model folder').setInputFiles(join(root, 'hf-tokenizer-llama'));
    await expect(page.getByTestId('model-label')).toContainText('Folder: hf-tokenizer-llama');
    await expect(chart(page, 'ppl-context')).toHaveAttribute('data-state', 'ready', { timeout: 170_000 });
  });
});
