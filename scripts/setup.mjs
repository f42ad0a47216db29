// Set-up shared by `npm start` and `npm test`: install npm packages when the lockfile
// changed (or none are installed), and find or install a Chromium for the browser tests.
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findChromium } from './chromium.mjs';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..');

// Next.js sends anonymous usage telemetry unless told not to; Bandscope promises that nothing
// leaves the machine, so every `next` invocation gets this in its environment.
export const nextEnv = { ...process.env, NEXT_TELEMETRY_DISABLED: '1' };

// onnxruntime-node's install step would fetch CUDA binaries from the internet; we use its
// bundled CPU build only. Playwright must never download its own browser.
const installEnv = { ...nextEnv, ONNXRUNTIME_NODE_INSTALL: 'skip', PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD: '1' };

export function run(command, args, options = {}) {
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit', env: installEnv, ...options });
  if (result.status !== 0) {
    throw new Error(`${command} ${args.join(' ')} failed with exit code ${result.status ?? result.signal}`);
  }
}

export function ensureNodeModules() {
  const lock = readFileSync(join(root, 'package-lock.json'));
  const want = createHash('sha256').update(lock).digest('hex');
  const stamp = join(root, 'node_modules', '.bandscope-lock-sha256');
  if (existsSync(stamp) && readFileSync(stamp, 'utf8') === want) return;
  console.log('[setup] installing npm packages (npm ci)…');
  run('npm', ['ci', '--no-audit', '--no-fund']);
  writeFileSync(stamp, want);
}

export function ensureChromium() {
  const found = findChromium();
  if (found) return found;
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  const hasApt = existsSync('/usr/bin/apt-get');
  if (!isRoot || !hasApt) {
    throw new Error(
      'No Chromium or Chrome found for the browser tests. Install one (Debian: apt-get install chromium) ' + 'or point CHROMIUM_PATH at its executable.',
    );
  }
  console.log('[setup] installing Debian chromium (apt-get)…');
  run('apt-get', ['update', '-qq']);
  run('apt-get', ['install', '-y', '-qq', 'chromium'], { env: { ...installEnv, DEBIAN_FRONTEND: 'noninteractive' } });
  const installed = findChromium();
  if (!installed) throw new Error('apt-get installed chromium but no executable was found on PATH');
  return installed;
}

export function chromiumVersion(path) {
  try {
    return execFileSync(path, ['--version'], { encoding: 'utf8' }).trim();
  } catch {
    return 'unknown version';
  }
}
