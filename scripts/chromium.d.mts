/** Types for scripts/chromium.mjs (imported by playwright.config.ts and scripts/bench.ts). */
export function findChromium(): string | null;
