import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { headingIds } from '../format/markdownAnchors';
import { CHART_DEFINITIONS, scienceHref } from './definitions';

describe('chart captions link the science page', () => {
  const ids = new Set(headingIds(readFileSync(join(__dirname, '..', '..', 'docs', 'science.md'), 'utf8')));

  it('every caption names a heading anchor that docs/science.md has', () => {
    for (const [id, def] of Object.entries(CHART_DEFINITIONS)) {
      expect(ids.has(def.scienceAnchor), `${id} → #${def.scienceAnchor}`).toBe(true);
    }
  });

  it('links are same-origin page anchors, and no caption points at a file a clone lacks', () => {
    expect(scienceHref(CHART_DEFINITIONS['tir-heatmap'])).toBe('/science#tail-inflation-ratio');
    for (const [id, def] of Object.entries(CHART_DEFINITIONS)) expect(def.definition, id).not.toMatch(/SPEC|REFERENCE|\.\.\/shared/);
  });
});
