/**
 * Renders parsed Markdown blocks (lib/format/markdown) as React elements. Text stays text: no
 * HTML from the document is ever injected, so the page needs no sanitiser.
 */
import type { ReactNode } from 'react';
import type { MarkdownBlock, MarkdownInline } from '@/lib/format/markdown';

const headingClass: Record<1 | 2 | 3 | 4, string> = {
  1: 'mt-2 text-2xl font-semibold',
  2: 'mt-8 border-b border-zinc-200 pb-1 text-xl font-semibold dark:border-zinc-800',
  3: 'mt-6 text-lg font-semibold',
  4: 'mt-4 font-semibold',
};

function renderInlines(inlines: MarkdownInline[]): ReactNode[] {
  return inlines.map((span, k) => {
    switch (span.kind) {
      case 'text':
        return span.text;
      case 'code':
        return <code key={k} className="rounded bg-zinc-100 px-1 text-[0.92em] dark:bg-zinc-800">{span.text}</code>;
      case 'strong':
        return <strong key={k}>{renderInlines(span.children)}</strong>;
      case 'em':
        return <em key={k}>{renderInlines(span.children)}</em>;
      case 'link':
        return <a key={k} href={span.href} className="text-blue-700 underline dark:text-blue-400">{renderInlines(span.children)}</a>;
      default: {
        const never: never = span;
        throw new Error(`unknown inline ${JSON.stringify(never)}`);
      }
    }
  });
}

export function MarkdownDocument({ blocks }: { blocks: MarkdownBlock[] }) {
  return (
    <article className="flex flex-col gap-3 text-sm leading-relaxed">
      {blocks.map((block, k) => {
        switch (block.kind) {
          case 'heading': {
            const Tag = `h${block.level}` as const;
            return (
              <Tag key={k} id={block.id} className={`${headingClass[block.level]} scroll-mt-4`}>
                <a href={`#${block.id}`} className="hover:underline">{block.text}</a>
              </Tag>
            );
          }
          case 'paragraph':
            return <p key={k}>{renderInlines(block.inlines)}</p>;
          case 'list':
            return (
              <ul key={k} className="ml-5 flex list-disc flex-col gap-1">
                {block.items.map((item, j) => <li key={j}>{renderInlines(item)}</li>)}
              </ul>
            );
          case 'code':
            return <pre key={k} className="overflow-x-auto rounded bg-zinc-100 p-2 text-xs dark:bg-zinc-900">{block.text}</pre>;
          default: {
            const never: never = block;
            throw new Error(`unknown block ${JSON.stringify(never)}`);
          }
        }
      })}
    </article>
  );
}
