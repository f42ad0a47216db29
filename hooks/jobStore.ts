'use client';
/** Tiny external stores for job progress and the device actually used, read with useSyncExternalStore. */
import { useSyncExternalStore } from 'react';
import type { DeviceReport } from '@/workers/runtime/types';

export interface JobProgress {
  fraction: number;
  message: string;
}

const progress = new Map<string, JobProgress>();
let device: DeviceReport | null = null;
const listeners = new Set<() => void>();
let version = 0;

/**
 * Subscribers re-render synchronously (useSyncExternalStore), and the engine sends a progress
 * message per tensor read: a burst of them rendered the dashboard a dozen times in one frame
 * (100+ ms). Changes are coalesced into one notification per EMIT_INTERVAL_MS.
 */
const EMIT_INTERVAL_MS = 50;
let emitTimer: ReturnType<typeof setTimeout> | null = null;

function emit(): void {
  if (emitTimer !== null) return;
  emitTimer = setTimeout(() => {
    emitTimer = null;
    version++;
    for (const l of listeners) l();
  }, EMIT_INTERVAL_MS);
}
function subscribe(l: () => void): () => void {
  listeners.add(l);
  return () => listeners.delete(l);
}

export function reportProgress(jobKey: string, p: JobProgress): void {
  progress.set(jobKey, p);
  emit();
}
export function reportDevice(d: DeviceReport): void {
  if (device && device.used === d.used && device.threads === d.threads && device.fallbackReason === d.fallbackReason) return;
  device = d;
  emit();
}

export function useJobProgress(jobKey: string): JobProgress | undefined {
  useSyncExternalStore(
    subscribe,
    () => version,
    () => 0,
  );
  return progress.get(jobKey);
}

export function useDeviceUsed(): string | null {
  useSyncExternalStore(
    subscribe,
    () => version,
    () => 0,
  );
  if (!device) return null;
  const extra =
    device.used === 'webgpu' && device.adapterInfo
      ? `, ${device.adapterInfo.architecture || device.adapterInfo.vendor}`
      : device.used === 'wasm'
        ? `, ${device.threads} thread${device.threads === 1 ? '' : 's'}`
        : '';
  return `${device.used}${extra}${device.fallbackReason ? ` (fell back: ${device.fallbackReason})` : ''}`;
}

/** Current progress of a job (call inside a component that also calls useJobProgress to re-render). */
export function progressOf(jobKey: string): JobProgress | undefined {
  return progress.get(jobKey);
}
