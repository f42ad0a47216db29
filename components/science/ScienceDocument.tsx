/**
 * docs/science.md rendered by react-markdown (GitHub-flavoured: tables; heading ids by
 * rehype-slug, the same slugs lib/format/markdownAnchors gives the captions). Raw HTML in the
 * document is not rendered, so no sanitiser is needed.
 */
import ReactMarkdown, { type Components } from 'react-markdown';
import rehypeSlug from 'rehype-slug';
import remarkGfm from 'remark-gfm';

const components: Components = {
  h1: ({ node: _n, ...p }) => <h1 className="mt-2 text-2xl font-semibold" {...p} />,
  h2: ({ node: _n, ...p }) => <h2 className="mt-8 border-b border-zinc-200 pb-1 text-xl font-semibold dark:border-zinc-800" {...p} />,
  h3: ({ node: _n, ...p }) => <h3 className="mt-6 text-lg font-semibold" {...p} />,
  h4: ({ node: _n, ...p }) => <h4 className="mt-4 font-semibold" {...p} />,
  p: ({ node: _n, ...p }) => <p className="mt-3 leading-relaxed" {...p} />,
  ul: ({ node: _n, ...p }) => <ul className="mt-3 list-disc space-y-1 pl-6" {...p} />,
  ol: ({ node: _n, ...p }) => <ol className="mt-3 list-decimal space-y-1 pl-6" {...p} />,
  a: ({ node: _n, ...p }) => <a className="text-blue-700 underline dark:text-blue-400" {...p} />,
  code: ({ node: _n, ...p }) => <code className="rounded bg-zinc-100 px-1 text-[0.92em] dark:bg-zinc-800" {...p} />,
  pre: ({ node: _n, ...p }) => <pre className="mt-3 overflow-x-auto rounded bg-zinc-100 p-3 text-xs dark:bg-zinc-900" {...p} />,
  table: ({ node: _n, ...p }) => <table className="mt-3 border-collapse text-xs" {...p} />,
  th: ({ node: _n, ...p }) => <th className="border border-zinc-300 px-2 py-1 text-left dark:border-zinc-700" {...p} />,
  td: ({ node: _n, ...p }) => <td className="border border-zinc-300 px-2 py-1 dark:border-zinc-700" {...p} />,
};

export function ScienceDocument({ source }: { source: string }) {
  return (
    <article className="text-sm">
      <ReactMarkdown remarkPlugins={[remarkGfm]} rehypePlugins={[rehypeSlug]} components={components}>
        {source}
      </ReactMarkdown>
    </article>
  );
}
