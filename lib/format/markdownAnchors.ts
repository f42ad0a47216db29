/**
 * The anchors of a Markdown document's headings, as GitHub (and rehype-slug on the /science page,
 * which uses the same github-slugger) makes them, so a chart caption's `#anchor` works in both.
 */
import GithubSlugger from 'github-slugger';

/** Heading anchors in document order; headings inside fenced code blocks are not headings. */
export function headingIds(source: string): string[] {
  const slugger = new GithubSlugger();
  const ids: string[] = [];
  let inFence = false;
  for (const line of source.split('\n')) {
    if (/^\s*(```|~~~)/.test(line)) inFence = !inFence;
    if (inFence) continue;
    const m = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (m) ids.push(slugger.slug(m[1].replace(/[`*_]/g, '')));
  }
  return ids;
}
