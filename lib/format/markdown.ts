/**
 * A parser for the small Markdown subset that docs/science.md is written in, so the app can serve
 * that file as a page without a Markdown dependency and without injecting HTML: it yields plain
 * records that React renders as elements (text is never interpreted as markup).
 *
 * Supported, and nothing else: ATX headings `#`…`####`; paragraphs; `- ` bullet lists whose
 * continuation lines are indented; fenced code blocks; inline `code`, **bold**, *italic* and
 * [text](href). Any other block construct (tables, quotes, `*`/`+` or numbered lists, raw HTML)
 * throws a MarkdownSubsetError naming the line, so the document can never silently render wrong.
 * Heading ids follow GitHub's rule (headingSlug), so the same `#anchor` works on GitHub and in the app.
 */

export type MarkdownInline =
  | { kind: 'text'; text: string }
  | { kind: 'code'; text: string }
  | { kind: 'strong'; children: MarkdownInline[] }
  | { kind: 'em'; children: MarkdownInline[] }
  | { kind: 'link'; href: string; children: MarkdownInline[] };

export type MarkdownBlock =
  | { kind: 'heading'; level: 1 | 2 | 3 | 4; id: string; text: string }
  | { kind: 'paragraph'; inlines: MarkdownInline[] }
  | { kind: 'list'; items: MarkdownInline[][] }
  | { kind: 'code'; text: string };

export class MarkdownSubsetError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MarkdownSubsetError';
  }
}

/**
 * GitHub's heading anchor: lower case, everything but letters, marks, digits, connector
 * punctuation, spaces and hyphens dropped, spaces → hyphens. (GitHub also numbers duplicates;
 * parseMarkdown refuses duplicate headings instead, so every anchor is unambiguous.)
 */
export function headingSlug(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '')
    .replace(/ /g, '-');
}

const UNSUPPORTED_BLOCK = /^(\||>|\* |\+ |\d+[.)] |<|#{5,})/;

/** Blocks of `source` (LF or CRLF line ends). Throws MarkdownSubsetError outside the subset. */
export function parseMarkdown(source: string): MarkdownBlock[] {
  const lines = source.replace(/\r\n?/g, '\n').split('\n');
  const blocks: MarkdownBlock[] = [];
  const seenIds = new Set<string>();
  let i = 0;
  while (i < lines.length) {
    const line = lines[i];
    if (line.trim() === '') {
      i++;
      continue;
    }
    if (line.startsWith('```')) {
      const body: string[] = [];
      i++;
      while (i < lines.length && !lines[i].startsWith('```')) body.push(lines[i++]);
      if (i === lines.length) throw new MarkdownSubsetError(`code block opened and never closed (line ${i - body.length})`);
      i++;
      blocks.push({ kind: 'code', text: body.join('\n') });
      continue;
    }
    const heading = /^(#{1,4}) (.+)$/.exec(line);
    if (heading) {
      const text = heading[2].trim();
      const id = headingSlug(text);
      if (seenIds.has(id)) throw new MarkdownSubsetError(`line ${i + 1}: heading '${text}' repeats the anchor #${id}`);
      seenIds.add(id);
      blocks.push({ kind: 'heading', level: heading[1].length as 1 | 2 | 3 | 4, id, text });
      i++;
      continue;
    }
    if (UNSUPPORTED_BLOCK.test(line)) throw new MarkdownSubsetError(`line ${i + 1}: '${line.slice(0, 40)}' is outside the Markdown subset this page renders`);
    if (line.startsWith('- ')) {
      const items: MarkdownInline[][] = [];
      while (i < lines.length && lines[i].startsWith('- ')) {
        const parts = [lines[i].slice(2)];
        i++;
        while (i < lines.length && /^ {2,}\S/.test(lines[i])) parts.push(lines[i++].trim());
        items.push(parseInline(parts.join(' '), i));
      }
      blocks.push({ kind: 'list', items });
      continue;
    }
    const parts: string[] = [];
    while (i < lines.length && lines[i].trim() !== '' && !/^(#{1,4} |```|- )/.test(lines[i])) {
      if (UNSUPPORTED_BLOCK.test(lines[i])) throw new MarkdownSubsetError(`line ${i + 1}: '${lines[i].slice(0, 40)}' is outside the Markdown subset this page renders`);
      parts.push(lines[i++].trim());
    }
    blocks.push({ kind: 'paragraph', inlines: parseInline(parts.join(' '), i) });
  }
  return blocks;
}

/** Anchors of every heading of `source`, in order. */
export function headingIds(source: string): string[] {
  return parseMarkdown(source).flatMap((b) => (b.kind === 'heading' ? [b.id] : []));
}

/** Inline spans of one block's text; `lineNumber` only names the place in errors. */
function parseInline(text: string, lineNumber: number): MarkdownInline[] {
  const out: MarkdownInline[] = [];
  let plain = '';
  const flush = (): void => {
    if (plain !== '') out.push({ kind: 'text', text: plain });
    plain = '';
  };
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (c === '`') {
      const end = text.indexOf('`', i + 1);
      if (end < 0) throw new MarkdownSubsetError(`near line ${lineNumber}: unclosed \` in '${text.slice(i, i + 40)}'`);
      flush();
      out.push({ kind: 'code', text: text.slice(i + 1, end) });
      i = end + 1;
    } else if (text.startsWith('**', i)) {
      const end = text.indexOf('**', i + 2);
      if (end < 0) throw new MarkdownSubsetError(`near line ${lineNumber}: unclosed ** in '${text.slice(i, i + 40)}'`);
      flush();
      out.push({ kind: 'strong', children: parseInline(text.slice(i + 2, end), lineNumber) });
      i = end + 2;
    } else if (c === '*' && /\S/.test(text[i + 1] ?? ' ')) {
      const end = text.indexOf('*', i + 1);
      if (end < 0) throw new MarkdownSubsetError(`near line ${lineNumber}: unclosed * in '${text.slice(i, i + 40)}'`);
      flush();
      out.push({ kind: 'em', children: parseInline(text.slice(i + 1, end), lineNumber) });
      i = end + 1;
    } else if (c === '[') {
      const link = /^\[([^\]]+)\]\(([^)\s]+)\)/.exec(text.slice(i));
      if (!link) {
        plain += c;
        i++;
        continue;
      }
      flush();
      out.push({ kind: 'link', href: link[2], children: parseInline(link[1], lineNumber) });
      i += link[0].length;
    } else {
      plain += c;
      i++;
    }
  }
  flush();
  return out;
}
