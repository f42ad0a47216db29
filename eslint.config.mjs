// Folder boundaries of ARCHITECTURE.md, enforced so nobody has to remember them.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import reactHooks from 'eslint-plugin-react-hooks';

const runtimeLibs = ['react', 'react-dom', 'react/*', 'next', 'next/*', 'onnxruntime-web', 'onnxruntime-web/*', 'onnxruntime-node', '@tanstack/*'];
const nodeBuiltins = ['node:*', 'fs', 'fs/*', 'path', 'os', 'child_process', 'crypto', 'url', 'worker_threads'];
// A folder as an import target, by alias and by relative path (types included: allowTypeImports is off).
const folder = (name) => [`@/${name}`, `@/${name}/*`, `../${name}`, `../${name}/*`, `../../${name}/*`, `../../../${name}/*`];
const ort = [
  { group: ['onnxruntime-web', 'onnxruntime-web/*'], message: 'Only workers/runtime/ort.ts imports onnxruntime-web.' },
  { group: ['onnxruntime-node'], message: 'Only workers/runtime/ort-node.ts imports onnxruntime-node (one owner per runtime).' },
];

const workerPatterns = (noCli) => [
  ...ort,
  { group: ['react', 'react-dom', 'echarts', 'echarts/*', 'next', 'next/*'], message: 'Workers never render.' },
  {
    group: [...folder('hooks'), ...folder('components'), ...folder('app'), ...(noCli ? folder('cli') : [])],
    message: 'workers/ imports only lib/ and workers/ (the page and the CLI import it, never the reverse).',
  },
];

export default tseslint.config(
  {
    ignores: ['node_modules/**', '.next/**', 'out/**', 'training/**', 'public/**', 'test-results/**', 'playwright-report/**', 'next-env.d.ts', 'bench/**'],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: {
        console: 'readonly',
        process: 'readonly',
        window: 'readonly',
        document: 'readonly',
        navigator: 'readonly',
        self: 'readonly',
        URL: 'readonly',
        Blob: 'readonly',
        File: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        performance: 'readonly',
        TextDecoder: 'readonly',
        TextEncoder: 'readonly',
        structuredClone: 'readonly',
        Worker: 'readonly',
        fetch: 'readonly',
        queueMicrotask: 'readonly',
        AbortController: 'readonly',
        AbortSignal: 'readonly',
        Buffer: 'readonly',
        crypto: 'readonly',
        requestAnimationFrame: 'readonly',
        cancelAnimationFrame: 'readonly',
        MessageEvent: 'readonly',
        PerformanceObserver: 'readonly',
      },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      'no-restricted-syntax': ['error', { selector: 'ExportAllDeclaration', message: 'No export * barrels (ARCHITECTURE.md).' }],
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['onnxruntime-web', 'onnxruntime-web/*'], message: 'Only workers/runtime/ort.ts imports onnxruntime-web.' },
            { group: ['onnxruntime-node'], message: 'Only workers/runtime/ort-node.ts imports onnxruntime-node (one owner per runtime).' },
          ],
        },
      ],
    },
  },
  {
    files: ['lib/**/*.ts'],
    ignores: ['lib/**/*.test.ts', 'lib/**/testing/**'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: runtimeLibs, message: 'lib/ is pure: no React, Next, ORT or TanStack.' },
            { group: nodeBuiltins, message: 'lib/ is isomorphic: no Node built-ins (put Node code in cli/).' },
            { group: ['echarts', 'echarts/*'], allowTypeImports: true, message: 'lib/charts may import echarts types only.' },
            {
              group: [...folder('hooks'), ...folder('components'), ...folder('app'), ...folder('workers'), ...folder('cli')],
              message: 'lib/ imports only lib/ (the app, hooks, workers and CLI import it, never the reverse).',
            },
          ],
        },
      ],
      'no-restricted-globals': ['error', 'window', 'document', 'navigator', 'self', 'fetch', 'process', 'Buffer', 'localStorage'],
      'no-restricted-properties': ['error', { object: 'Math', property: 'random', message: 'Use the seeded RNG (lib/diagnostics/rng.ts).' }],
    },
  },
  {
    files: ['workers/runtime/ort.ts'],
    rules: { '@typescript-eslint/no-restricted-imports': 'off' },
  },
  {
    files: ['workers/**/*.ts'],
    ignores: ['workers/runtime/ort.ts'],
    rules: { '@typescript-eslint/no-restricted-imports': ['error', { patterns: workerPatterns(true) }] },
  },
  {
    // Worker tests may compare the worker path with the CLI's engine (an independent run of the same graph).
    files: ['workers/**/*.test.ts'],
    rules: { '@typescript-eslint/no-restricted-imports': ['error', { patterns: workerPatterns(false) }] },
  },
  {
    // The onnxruntime-node owner, and kernel tests that check one op against the runtime directly.
    files: ['workers/runtime/ort-node.ts', 'lib/**/*.ort.test.ts'],
    rules: { '@typescript-eslint/no-restricted-imports': 'off' },
  },
  {
    files: ['components/**/*.tsx', 'components/**/*.ts'],
    ignores: ['components/charts/EChart.tsx'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['onnxruntime-web', 'onnxruntime-web/*', 'onnxruntime-node'], message: 'Components are presentational: no ORT.' },
            { group: ['echarts', 'echarts/*'], allowTypeImports: true, message: 'Only components/charts/EChart.tsx imports echarts at runtime.' },
            { group: folder('workers'), message: 'Components get data through props (hooks own the workers).' },
            {
              group: folder('hooks'),
              message: 'Components get data through props, not from hooks (types included: shared types live in lib/, e.g. lib/views).',
            },
            { group: folder('app'), message: 'Components are imported by app/, never the reverse.' },
          ],
        },
      ],
    },
  },
  {
    files: ['hooks/**/*.ts', 'hooks/**/*.tsx'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            ...ort,
            { group: folder('components'), message: 'Hooks never render and never import components (the page wires them together in app/).' },
            { group: folder('app'), message: 'Hooks are imported by app/, never the reverse.' },
          ],
        },
      ],
    },
  },
  {
    // app/ wires hooks to components; the workers are reached through hooks. The engine harness is a
    // test-only route that drives the engine worker's client directly.
    files: ['app/**/*.ts', 'app/**/*.tsx'],
    ignores: ['app/engine-harness/**'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [...ort, { group: folder('workers'), message: 'app/ reaches the workers through hooks/ (hooks own the worker clients).' }],
        },
      ],
    },
  },
  {
    files: ['cli/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            ...ort,
            {
              group: [...folder('hooks'), ...folder('components'), ...folder('app')],
              message: 'The CLI runs on lib/ (and the onnxruntime-node owner in workers/runtime), never the page.',
            },
          ],
        },
      ],
    },
  },
  {
    // Rules of hooks and the React Compiler checks (purity, refs, effects) wherever React code lives.
    ...reactHooks.configs.flat.recommended,
    files: ['hooks/**/*.{ts,tsx}', 'components/**/*.{ts,tsx}', 'app/**/*.{ts,tsx}'],
  },
  {
    files: ['scripts/**/*.mjs', 'cli/**/*.mjs', '*.mjs'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly' } },
  },
);
