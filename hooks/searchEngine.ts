/**
 * The dashboard's engine adapter for the Q-ROAR search (lib/scenario/search SearchEngineOpener)
 * over an engine client: every build becomes a GraphBuildRequest with the candidate scales baked
 * into W_Q/W_K (the worker does the weights, graph and session) and runs as its own session,
 * released when the search disposes it. Kept apart from the React hook so a Node test drives it
 * over the worker handler in-process (lib/scenario/search.parity.test.ts).
 */
import type { NllEngine } from '../lib/eval/engine';
import type { RopeConfig } from '../lib/rope/types';
import { evaluationContexts } from '../lib/scenario/contexts';
import { scenarioBands, scenarioRope } from '../lib/scenario/pressure';
import type { SearchJob } from '../lib/scenario/search';
import type { Settings } from '../lib/settings/settings';
import type { QroarVariant } from '../lib/qroar/transform';
import type { Band } from '../lib/rope/types';
import type { QuantBuild } from '../lib/scenario/builds';
import type { SearchEngineBuild, SearchEngineOpener } from '../lib/scenario/searchPlan';
import type { DeviceChoice } from '../lib/settings/settings';
import type { EnginePort } from '../workers/engine/nllEngine';
import type { GraphBuildRequest } from '../workers/engine/protocol';
import type { DeviceReport } from '../workers/runtime/types';

export interface SearchEngineAdapter {
  /** The model's engine port over the worker (workers/engine/nllEngine createEnginePort). */
  port: EnginePort;
  /** The scenario's quantized build fields (lib/scenario/weightsBuild quantBuildOf). */
  quantBuild: QuantBuild;
  variant: QroarVariant;
  bands: Band[];
  device: DeviceChoice;
  signal?: AbortSignal;
  /** Per-channel KV: calibrates the build's scales on its own model (hooks/kvCalibration); identity otherwise. */
  calibrate?: (build: GraphBuildRequest) => Promise<GraphBuildRequest>;
  onDevice?: (device: DeviceReport) => void;
}

/** What the page's search settings add to the scenario's Settings. */
export interface PageSearchChoice {
  devTokens: Int32Array;
  testTokens: Int32Array;
  gridPoints: number;
  guardTolerance: number;
  window: { lo: number; hi: number };
  /** Dev windows of L′ per candidate. */
  windows: number;
  /** Test windows of L′; undefined = every whole window. */
  testWindows?: number;
}

/**
 * The dashboard's search job (without engines and callbacks) from its Settings: PI rope and bands
 * of the scenario (lib/scenario/pressure), S = min(L, L′) — the CLI's default too — and the page's
 * report contexts (powers of two from L/4 to L′).
 */
export function pageSearchJob(
  model: { rope: RopeConfig; spec: { numLayers: number; numKvHeads: number; headDim: number } | null },
  settings: Settings,
  c: PageSearchChoice,
): Omit<SearchJob, 'openEngine' | 'onCandidate' | 'onProgress' | 'onWiden' | 'signal'> {
  const trained = model.rope.originalMaxPositionEmbeddings ?? model.rope.maxPositionEmbeddings;
  const L = settings.targetContextTokens;
  return {
    rope: scenarioRope(model.rope, settings),
    bands: scenarioBands(model.rope, settings),
    geometry: { numLayers: model.spec?.numLayers ?? 0, numKvHeads: model.spec?.numKvHeads ?? 0, headDim: model.spec?.headDim ?? model.rope.headDim },
    devTokens: c.devTokens,
    testTokens: c.testTokens,
    contextTokens: L,
    shortContextTokens: Math.min(trained, L),
    reportContexts: evaluationContexts(trained, L),
    windows: c.windows,
    ...(c.testWindows !== undefined ? { testWindows: c.testWindows } : {}),
    variant: settings.qroarVariant,
    keysQuantized: Boolean(settings.kvQuant?.keys),
    grid: { pointCount: c.gridPoints, lo: c.window.lo, hi: c.window.hi },
    guardTolerance: c.guardTolerance,
  };
}

/** The worker build of a search engine: the FP control drops weight and KV quantization, same PI and scales. */
export function searchGraphBuild(
  a: Pick<SearchEngineAdapter, 'quantBuild' | 'variant' | 'bands'>,
  build: SearchEngineBuild,
  seqLen: number,
): GraphBuildRequest {
  return {
    seqLen,
    ...(build.precision === 'fp' ? { ...a.quantBuild, quant: null, kv: null } : a.quantBuild),
    qroar: { variant: a.variant, bands: a.bands, scales: [...build.scales] },
    // The tie-break reads post-RoPE keys only.
    ...(build.kTapLayers ? { tapLayers: [...build.kTapLayers], tapQueries: false } : {}),
  };
}

export function searchEngineOpener(a: SearchEngineAdapter): SearchEngineOpener {
  return async (build: SearchEngineBuild, seqLen: number): Promise<NllEngine> => {
    const plain = searchGraphBuild(a, build, seqLen);
    const graph = a.calibrate ? await a.calibrate(plain) : plain;
    // Released when the search disposes it; the tie-break's runs read their post-RoPE key taps.
    return a.port.open(graph, {
      device: a.device,
      ...(a.signal ? { signal: a.signal } : {}),
      ...(a.onDevice ? { onDevice: a.onDevice } : {}),
      wantTaps: build.kTapLayers !== undefined,
    });
  };
}
