/**
 * The engine port every job of lib/scenario runs on: `open(build) → NllEngine`, one graph per
 * typed EngineBuild (T = build.seqLen). Two implementations: the browser one over the engine
 * worker's client (workers/engine/scenarioPort.ts) and the Node one over the single
 * onnxruntime-node owner (cli/engine/nodePort.ts). A job never knows which it runs on.
 */
import type { NllEngine } from '../eval/engine';
import type { RopeConfig } from '../rope/types';
import type { EngineBuild } from './engineBuild';

export interface EnginePortOpenOptions {
  /**
   * The backend asked for; absent = the port's own (the scenario's device setting). 'wasm' asks
   * for the WASM twin of a WebGPU run (the diagnostics' backend noise floor); a port with one
   * backend only (Node) runs every build on it.
   */
  device?: 'auto' | 'webgpu' | 'wasm';
  signal?: AbortSignal;
  /** Read back the graph's taps and logits on every run (default: nll only). */
  wantTaps?: boolean;
  /** Leave the session cached on dispose, so a later open of the same build finds it. */
  keepOnDispose?: boolean;
  /** What the engine is doing while it loads (fetch, build, session), for a progress line. */
  onProgress?: (message: string) => void;
  /**
   * Per-channel KV (build.kv.granularity 'channel' without scales): the text and RoPE whose first
   * S tokens calibrate the scales (lib/eval/kvCalibration.ts) before the graph is built; S =
   * `calibrationTokens` (2 ≤ S ≤ L), default the trained window L.
   */
  kvCalibration?: { tokens: Int32Array; rope: RopeConfig; calibrationTokens?: number };
}

export interface ScenarioEnginePort {
  /** An engine for `build`; the caller disposes it. */
  open(build: EngineBuild, options?: EnginePortOpenOptions): Promise<NllEngine>;
}

/** A job's progress: fraction done in [0, 1] and a line saying what runs. */
export type JobProgress = (fraction: number, message: string) => void;
