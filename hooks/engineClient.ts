'use client';
/**
 * The page's workers, created on first use: one engine worker (it owns the ORT sessions and their
 * cache) and one analysis worker, joined by a MessageChannel so the analysis worker's jobs run the
 * engine themselves — their taps go engine worker → analysis worker, never through the page.
 */
import { getAnalysisClient, type AnalysisClient } from '@/workers/analysis/client';
import { createEngineClient, type EngineClient } from '@/workers/engine/client';
import { createEngineWorker } from '@/workers/engine/engineWorker';

let client: EngineClient | null = null;
let analysisConnected = false;

export function getEngineClient(): EngineClient {
  client ??= createEngineClient(createEngineWorker);
  return client;
}

/** The page's analysis worker with its engine connection (made once): what the diagnostics and slider-proxy jobs run on. */
export function getJobAnalysisClient(): AnalysisClient {
  const analysis = getAnalysisClient();
  if (!analysisConnected) {
    const channel = new MessageChannel();
    getEngineClient().connect(channel.port1);
    analysis.connectEngine(channel.port2);
    analysisConnected = true;
  }
  return analysis;
}
