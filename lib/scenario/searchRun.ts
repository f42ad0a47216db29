/**
 * The Q-ROAR search job of a plan (lib/scenario/search runSearch over an engine port): the job
 * record from the plan and the page's or CLI's search choices, and the engine opener that turns a
 * search build (precision, candidate scales, key taps) into the plan's typed EngineBuild. One
 * function per step for both drivers, so the same settings run the same search.
 */
import type { NllEngine } from '../eval/engine';
import type { EngineBuild } from './engineBuild';
import type { ScenarioEnginePort } from './enginePort';
import { requireBands, type ScenarioPlan } from './plan';
import type { SearchJob } from './search';
import type { SearchEngineBuild, SearchEngineOpener } from './searchPlan';

/** What a search adds to its plan: texts, grid, guard, windows. */
export interface SearchChoice {
  /** Dev token ids (objective, guard, tie-break), Int32Array[n]. */
  devTokens: Int32Array;
  /** Held-out test token ids, Int32Array[n]. */
  testTokens: Int32Array;
  gridPoints: number;
  guardTolerance: number;
  /** The grid's safe window of scales (dimensionless). */
  window: { lo: number; hi: number };
  /** Dev windows of L′ per candidate. */
  windows: number;
  /** Test windows of L′; undefined = every whole window. */
  testWindows?: number;
  /** The guard's S when a driver lets it be chosen (the CLI's --short-context, ≤ L); default the plan's min(L, L′). */
  shortContextTokens?: number;
  /** The before/after table's contexts (ascending, ≤ L′); default the plan's contexts. */
  reportContexts?: number[];
}

/**
 * The search job (without engines and callbacks) of a plan: its PI rope and bands, S = min(L, L′),
 * the plan's contexts as the before/after table, and the quantized keys for the no-op check.
 */
export function searchJobOf(plan: ScenarioPlan, c: SearchChoice): Omit<SearchJob, 'openEngine' | 'onCandidate' | 'onProgress' | 'onWiden' | 'signal'> {
  const spec = plan.model.spec;
  return {
    rope: plan.rope,
    bands: requireBands(plan),
    geometry: { numLayers: spec?.numLayers ?? 0, numKvHeads: spec?.numKvHeads ?? 0, headDim: spec?.headDim ?? plan.model.rope.headDim },
    devTokens: c.devTokens,
    testTokens: c.testTokens,
    contextTokens: plan.contextTokens,
    shortContextTokens: c.shortContextTokens ?? plan.shortContextTokens,
    reportContexts: c.reportContexts ?? plan.contexts,
    windows: c.windows,
    ...(c.testWindows !== undefined ? { testWindows: c.testWindows } : {}),
    variant: plan.settings.qroarVariant,
    keysQuantized: plan.quant?.kv ? plan.quant.kv.target !== 'v' : false,
    grid: { pointCount: c.gridPoints, lo: c.window.lo, hi: c.window.hi },
    guardTolerance: c.guardTolerance,
  };
}

/**
 * The engine build of a search engine: the FP control drops weight and KV quantization, same PI and
 * scales. (A plan with nothing quantized searches the FP model; the dashboard refuses that earlier.)
 */
export function searchEngineBuild(plan: ScenarioPlan, build: SearchEngineBuild, seqLen: number): EngineBuild {
  return {
    seqLen,
    ...(build.precision === 'fp' || !plan.quant ? {} : { quant: plan.quant.quant, kv: plan.quant.kv }),
    qroar: { variant: plan.settings.qroarVariant, bands: plan.bands, scales: [...build.scales] },
    // The tie-break reads post-RoPE keys only.
    ...(build.kTapLayers ? { tapLayers: [...build.kTapLayers], tapQueries: false } : {}),
  };
}

/**
 * The search's engine opener over `port`: every build its own session, released when the search
 * disposes it; a per-channel KV cache is calibrated per candidate on the dev text (its keys differ).
 */
export function searchOpener(plan: ScenarioPlan, port: ScenarioEnginePort, devTokens: Int32Array, signal?: AbortSignal): SearchEngineOpener {
  return (build: SearchEngineBuild, seqLen: number): Promise<NllEngine> =>
    port.open(searchEngineBuild(plan, build, seqLen), {
      ...(signal ? { signal } : {}),
      wantTaps: build.kTapLayers !== undefined,
      kvCalibration: { tokens: devTokens, rope: plan.rope },
    });
}
