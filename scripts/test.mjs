// `npm test`: set up what is missing, then typecheck, lint, format check, unit tests, build and e2e.
// One command on a fresh Debian machine with only Node and npm.
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { chromiumVersion, ensureChromium, ensureNodeModules, nextEnv, root, run } from './setup.mjs';

// Beside, not inside, test-results/: Playwright empties that folder when it starts.
const vitestJson = join(root, 'test-results-vitest.json');
const playwrightJson = join(root, 'test-results-playwright.json');

/** Reads pass/fail counts from the runners' JSON reports (for the closing line CI reads). */
function tally() {
  let passed = 0;
  let failed = 0;
  if (existsSync(vitestJson)) {
    const report = JSON.parse(readFileSync(vitestJson, 'utf8'));
    passed += report.numPassedTests ?? 0;
    failed += report.numFailedTests ?? 0;
  }
  if (existsSync(playwrightJson)) {
    const stats = JSON.parse(readFileSync(playwrightJson, 'utf8')).stats ?? {};
    passed += (stats.expected ?? 0) + (stats.flaky ?? 0);
    failed += stats.unexpected ?? 0;
  }
  return { passed, failed };
}

// Counts must come from this run only.
rmSync(vitestJson, { force: true });
rmSync(playwrightJson, { force: true });

/** The code Prettier holds to .prettierrc.json (`npm run format` rewrites it; .prettierignore says what is left alone and why). */
const PRETTIER_FILES = ['**/*.{ts,tsx,mjs,js,cjs,json,css}'];

const steps = [];
function step(name, fn) {
  const started = Date.now();
  console.log(`\n[test] ── ${name}`);
  fn();
  steps.push([name, (Date.now() - started) / 1000]);
}

try {
  step('npm packages', ensureNodeModules);
  step('chromium', () => {
    const path = ensureChromium();
    process.env.CHROMIUM_PATH = path;
    console.log(`[test] browser: ${path} (${chromiumVersion(path)})`);
  });
  step('typecheck', () => run('npx', ['tsc', '--noEmit', '-p', 'tsconfig.json']));
  step('typecheck lib (no DOM)', () => run('npx', ['tsc', '--noEmit', '-p', 'lib/tsconfig.json']));
  step('lint', () => run('npx', ['eslint', '.', '--max-warnings=0']));
  step('format', () => run('npx', ['prettier', '--check', '--log-level=warn', ...PRETTIER_FILES]));
  step('unit tests', () => {
    run('npx', ['vitest', 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${vitestJson}`]);
  });
  step('build', () => run('npx', ['next', 'build'], { env: nextEnv }));
  step('e2e tests', () => run('npx', ['playwright', 'test', '--reporter=list,json'], { env: { ...nextEnv, PLAYWRIGHT_JSON_OUTPUT_NAME: playwrightJson } }));
} catch (error) {
  console.error(`\n[test] FAILED: ${error instanceof Error ? error.message : String(error)}`);
  report();
  process.exit(1);
}
report();

function report() {
  console.log('\n[test] step times (s):', steps.map(([n, s]) => `${n} ${s.toFixed(1)}`).join(', '));
  const { passed, failed } = tally();
  console.log(`Tests: ${passed} passed, ${failed} failed`);
}
