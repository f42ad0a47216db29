// The CLI's tensor cache keys by the stored tensor: a tied embedding asked for under both names is
// one float32 array, read once.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tiedHfFolder } from '../../lib/model/testing/tiedModels';
import { tinyTensorValues } from '../../lib/model/testing/tinyModels';
import { openScenarioModel } from './model';

describe('openScenarioModel tensor cache', () => {
  for (const layout of ['embed', 'lm_head', 'lm_head+alias'] as const) {
    it(`${layout}: embed_tokens and lm_head are the same cached array`, async () => {
      const folder = join(mkdtempSync(join(tmpdir(), 'bandscope-tied-')), layout);
      mkdirSync(folder);
      for (const s of tiedHfFolder(layout)) writeFileSync(join(folder, s.name.split('/').pop()!), await s.read(0, s.sizeBytes));
      const model = await openScenarioModel(folder);
      try {
        const head = await model.tensorF32('lm_head.weight');
        expect(await model.tensorF32('model.embed_tokens.weight')).toBe(head);
        expect(Array.from(head)).toEqual(Array.from(tinyTensorValues('model.embed_tokens.weight')));
      } finally {
        await model.close();
      }
    });
  }
});
