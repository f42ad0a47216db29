import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { headingIds, headingSlug, MarkdownSubsetError, parseMarkdown } from './markdown';

const SCIENCE_MD = join(__dirname, '..', '..', 'docs', 'science.md');

describe('headingSlug', () => {
  // Expected values are the anchors GitHub gives these headings (checked by hand on github.com rendering rules).
  it('follows GitHub: lower case, punctuation dropped, spaces to hyphens', () => {
    expect(headingSlug('Weights: RTN')).toBe('weights-rtn');
    expect(headingSlug('Interpolation pressure, analytic')).toBe('interpolation-pressure-analytic');
    expect(headingSlug('Q-ROAR')).toBe('q-roar');
    expect(headingSlug('The scale s and the original window L0')).toBe('the-scale-s-and-the-original-window-l0');
    expect(headingSlug('Position-dependent logit error')).toBe('position-dependent-logit-error');
  });
});

describe('parseMarkdown', () => {
  it('parses headings, paragraphs, lists with continuation lines, code and inline spans', () => {
    const blocks = parseMarkdown('# Title\n\nSome `x = 1` and **bold** and *it* and [a link](#title).\nSecond line.\n\n- one\n  continued\n- two\n\n```\ncode *here*\n```\n');
    expect(blocks).toEqual([
      { kind: 'heading', level: 1, id: 'title', text: 'Title' },
      {
        kind: 'paragraph',
        inlines: [
          { kind: 'text', text: 'Some ' },
          { kind: 'code', text: 'x = 1' },
          { kind: 'text', text: ' and ' },
          { kind: 'strong', children: [{ kind: 'text', text: 'bold' }] },
          { kind: 'text', text: ' and ' },
          { kind: 'em', children: [{ kind: 'text', text: 'it' }] },
          { kind: 'text', text: ' and ' },
          { kind: 'link', href: '#title', children: [{ kind: 'text', text: 'a link' }] },
          { kind: 'text', text: '. Second line.' },
        ],
      },
      { kind: 'list', items: [[{ kind: 'text', text: 'one continued' }], [{ kind: 'text', text: 'two' }]] },
      { kind: 'code', text: 'code *here*' },
    ]);
  });

  it('keeps a lone asterisk or bracket as text, and markup-looking text as text', () => {
    expect(parseMarkdown('a * b [c] <b>x</b>')).toEqual([{ kind: 'paragraph', inlines: [{ kind: 'text', text: 'a * b [c] <b>x</b>' }] }]);
  });

  it('refuses constructs outside the subset, naming the line', () => {
    expect(() => parseMarkdown('ok\n\n| a | b |\n')).toThrow(MarkdownSubsetError);
    expect(() => parseMarkdown('ok\n\n| a | b |\n')).toThrow(/line 3/);
    expect(() => parseMarkdown('1. first\n')).toThrow(/outside the Markdown subset/);
    expect(() => parseMarkdown('> quote\n')).toThrow(MarkdownSubsetError);
    expect(() => parseMarkdown('```\nnever closed\n')).toThrow(/never closed/);
    expect(() => parseMarkdown('an `unclosed span\n')).toThrow(/unclosed `/);
    expect(() => parseMarkdown('## Same\n\n## Same\n')).toThrow(/repeats the anchor #same/);
  });
});

describe('docs/science.md', () => {
  const source = readFileSync(SCIENCE_MD, 'utf8');

  it('stays inside the subset the /science page renders', () => {
    expect(() => parseMarkdown(source)).not.toThrow();
  });

  it('links only to anchors it has, and never outside the repository', () => {
    const ids = new Set(headingIds(source));
    const hrefs = [...source.matchAll(/\]\(([^)]+)\)/g)].map((m) => m[1]);
    for (const href of hrefs) {
      expect(href.startsWith('#'), `link ${href} should be an in-page anchor`).toBe(true);
      expect(ids.has(href.slice(1)), `anchor ${href} exists`).toBe(true);
    }
    expect(source).not.toMatch(/\.\.\/shared|SPEC\.md|REFERENCE\.md/);
  });
});
