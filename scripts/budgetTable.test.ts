import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { budgetTableMarkdown, withTable } from './budgetTable';

describe('README budget table', () => {
  it('is the one lib/model/runBudget.ts gives now (run `npm run budget:table -- --write` after changing it)', () => {
    const readme = readFileSync(join(import.meta.dirname, '..', 'README.md'), 'utf8');
    expect(withTable(readme)).toBe(readme);
    // 4 models × 2 contexts × (float32, float16, w4g32a).
    const lines = budgetTableMarkdown().split('\n');
    expect(lines).toHaveLength(2 + 4 * 2 * 3);
    // float16 halves the streamed linears: its layer-streamed cell is below float32's on every row pair.
    const gib = (line: string) => Number(/\| ([\d.]+) GiB \|$/.exec(line)![1]);
    for (let i = 2; i < lines.length; i += 3) expect(gib(lines[i + 1])).toBeLessThan(gib(lines[i]));
  });
});
