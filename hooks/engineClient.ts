'use client';
/** One engine worker per page, created on first use (the worker owns the ORT sessions and their cache). */
import { createEngineClient, type EngineClient } from '@/workers/engine/client';
import { createEngineWorker } from '@/workers/engine/engineWorker';

let client: EngineClient | null = null;

export function getEngineClient(): EngineClient {
  client ??= createEngineClient(createEngineWorker);
  return client;
}
