'use client';
/** One engine worker per page, created on first use (the worker owns the ORT sessions and their cache). */
import { createEngineClient, type EngineClient } from '@/workers/engine/client';

let client: EngineClient | null = null;

export function getEngineClient(): EngineClient {
  client ??= createEngineClient();
  return client;
}

/**
 * Creates the worker now, so ORT's WASM module (~27 MB) compiles while the page fetches the model
 * config and the text instead of after them: the first session otherwise waited ~2 s for it.
 */
export function startEngine(): void {
  getEngineClient();
}
