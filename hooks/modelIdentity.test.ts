// Page-side and CLI-side identities of the built-in model are one hash (issue #10 item 3).
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openScenarioModel } from '../cli/scenario/model';
import { MODEL_IDENTITY_SCHEME } from '../lib/model/open';
import { diskFetch } from '../workers/engine/testing/diskFetch';
import { servedModelIdentity } from './modelIdentity';

const PUBLIC = join(import.meta.dirname, '..', 'public');

describe('model identity', () => {
  it('the page (HTTP ranges of the served folder) and the CLI (files on disk) name the built-in model by the same hash', async () => {
    const counter = { bytes: 0 };
    const page = await servedModelIdentity(diskFetch(PUBLIC, counter), '/models/bandscope-byte-4m/');
    const cli = await openScenarioModel('builtin');
    try {
      expect(page).toMatch(/^[0-9a-f]{64}$/);
      expect(page).toBe(cli.identity);
    } finally {
      await cli.close();
    }
    // Headers only: far less than the 19 MB of weights.
    expect(counter.bytes).toBeLessThan(64 * 1024);
    expect(MODEL_IDENTITY_SCHEME).toBe('bandscope-model-v1');
  });
});
