/**
 * Static checks of two promises the page makes: Next.js never phones home (telemetry off in the
 * environment of every `next` invocation), and the app has an icon of its own (the App Router
 * serves app/icon.svg and links it from every page, so the browser asks for no /favicon.ico).
 */
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(__dirname, '..');
const read = (rel: string): string => readFileSync(join(ROOT, rel), 'utf8');

describe('Next.js telemetry is off wherever next runs', () => {
  it('every package.json script that calls next sets NEXT_TELEMETRY_DISABLED=1', () => {
    const scripts = (JSON.parse(read('package.json')) as { scripts: Record<string, string> }).scripts;
    const callingNext = Object.entries(scripts).filter(([, cmd]) => /(^|\s)next\s/.test(cmd));
    expect(callingNext.map(([name]) => name).sort()).toEqual(['build', 'dev', 'serve']);
    for (const [name, cmd] of callingNext) expect(cmd, name).toMatch(/^NEXT_TELEMETRY_DISABLED=1 next /);
  });

  it('the set-up env carries it and start/test hand it to every next and playwright process', () => {
    expect(read('scripts/setup.mjs')).toMatch(/export const nextEnv = \{ \.\.\.process\.env, NEXT_TELEMETRY_DISABLED: '1' \}/);
    expect(read('scripts/setup.mjs')).toMatch(/const installEnv = \{ \.\.\.nextEnv,/);
    const start = read('scripts/start.mjs');
    expect(start).toMatch(/spawn\('npx', \['next', 'start'[^)]*env: nextEnv/);
    const test = read('scripts/test.mjs');
    expect(test).toMatch(/\['next', 'build'\], \{ env: nextEnv \}/);
    expect(test).toMatch(/\['playwright', 'test'[^\n]*env: \{ \.\.\.nextEnv/);
    expect(read('playwright.config.ts')).toMatch(/env: \{ NEXT_TELEMETRY_DISABLED: '1' \}/);
    const bench = read('scripts/bench.ts');
    for (const m of bench.matchAll(/\['next', '(build|start)'[^\n]*/g)) expect(m[0]).toMatch(/NEXT_TELEMETRY_DISABLED: '1'/);
  });
});

describe('app icon', () => {
  it('app/icon.svg is an SVG of its own and no stale favicon shadows it', () => {
    const svg = read('app/icon.svg');
    expect(svg).toMatch(/^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg" viewBox="0 0 32 32"/);
    expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
    // An app/favicon.ico or public/favicon.ico would be served instead of (or beside) the SVG.
    expect(existsSync(join(ROOT, 'app', 'favicon.ico'))).toBe(false);
    expect(existsSync(join(ROOT, 'public', 'favicon.ico'))).toBe(false);
  });
});
