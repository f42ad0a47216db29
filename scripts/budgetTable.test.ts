import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { budgetTableMarkdown, withTable } from './budgetTable';

describe('README budget table', () => {
  it('is the one lib/model/runBudget.ts gives now (run `npm run budget:table -- --write` after changing it)', () => {
    const readme = readFileSync(join(import.meta.dirname, '..', 'README.md'), 'utf8');
    expect(withTable(readme)).toBe(readme);
    expect(budgetTableMarkdown().split('\n')).toHaveLength(2 + 4 * 2 * 2);
  });
});
