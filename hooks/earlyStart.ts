'use client';
/**
 * What the default view needs first, started when the dashboard's module is evaluated — before
 * React hydrates, about half a second before a mount effect would run on this 2-core machine: the
 * two workers (the engine worker starts compiling ORT's WASM module), the built-in model's info and
 * both bundled texts. The hooks that use them find them in flight or done (each is fetched once).
 * Settings that pick another model or text only cost these small reads.
 */
import { getJobAnalysisClient } from './engineClient';
import { builtinDefaultInfo } from './useModelInfo';
import { bundledTextBytes } from './useTokens';

let started = false;

export function startEarly(): void {
  // Server rendering evaluates the module too: no workers, no relative fetches there.
  if (started || typeof window === 'undefined' || typeof Worker === 'undefined') return;
  started = true;
  getJobAnalysisClient();
  // Failures surface in the hooks that await these, with their own messages.
  builtinDefaultInfo().catch(() => {});
  for (const part of ['test', 'dev'] as const) bundledTextBytes(part).catch(() => {});
}
