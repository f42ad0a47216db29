import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { headingIds } from './markdownAnchors';

const SCIENCE_MD = join(__dirname, '..', '..', 'docs', 'science.md');

describe('headingIds', () => {
  // Expected values are the anchors GitHub gives these headings.
  it('follows GitHub: lower case, punctuation dropped, spaces to hyphens, repeats numbered', () => {
    expect(headingIds('# Weights: RTN\n## Interpolation pressure, analytic\n### Q-ROAR\n#### The scale s and the original window L0\n## Q-ROAR')).toEqual([
      'weights-rtn',
      'interpolation-pressure-analytic',
      'q-roar',
      'the-scale-s-and-the-original-window-l0',
      'q-roar-1',
    ]);
    expect(headingIds('```\n# not a heading\n```\n## `code` heading')).toEqual(['code-heading']);
  });
});

describe('docs/science.md', () => {
  const source = readFileSync(SCIENCE_MD, 'utf8');

  it('links only to anchors it has, and never outside the repository', () => {
    const ids = new Set(headingIds(source));
    const hrefs = [...source.matchAll(/\]\(([^)]+)\)/g)].map((m) => m[1]);
    expect(hrefs.length).toBeGreaterThan(0);
    for (const href of hrefs) {
      expect(href.startsWith('#'), `link ${href} should be an in-page anchor`).toBe(true);
      expect(ids.has(href.slice(1)), `anchor ${href} exists`).toBe(true);
    }
    expect(source).not.toMatch(/\.\.\/shared|SPEC\.md|REFERENCE\.md/);
  });
});
