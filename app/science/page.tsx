/**
 * /science: docs/science.md as a page, so every chart caption can link its definition and a
 * clone of the repository needs nothing outside it. The file is read when the page is rendered,
 * and `force-static` makes that happen once, at `next build` (and in a static export): the
 * served HTML is prebuilt, no file is read at request time.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Metadata } from 'next';
import { ScienceDocument } from '@/components/science/ScienceDocument';

export const dynamic = 'force-static';

export const metadata: Metadata = {
  title: 'Bandscope — the science',
  description: 'Definitions of every quantity the Bandscope dashboard shows, as the code computes them.',
};

export default function SciencePage() {
  const source = readFileSync(join(process.cwd(), 'docs', 'science.md'), 'utf8');
  return (
    <main className="mx-auto max-w-3xl px-4 py-6">
      <nav className="text-xs">
        <a href="/" className="text-blue-700 underline dark:text-blue-400">
          ← Back to the dashboard
        </a>
      </nav>
      <ScienceDocument source={source} />
    </main>
  );
}
