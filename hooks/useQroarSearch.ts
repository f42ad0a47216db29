'use client';
/**
 * The live Q-ROAR search (SPEC §5): lib/scenario/search — the one search job `bandscope search`
 * runs too — run whole in the analysis worker (workers/analysis/jobs.ts `searchJob`) over its own
 * connection to the page's engine worker (lib/scenario/searchRun's job and opener). Every candidate
 * builds its own quantized graphs with the candidate scales baked into W_Q/W_K, runs the dev windows
 * and the guard's short windows, and is released before the next, so worker memory stays at one
 * search session. This thread only records the streamed candidates and lines. Cancel aborts the
 * in-flight engine request and stops before the next candidate; the worker answers the cancelled
 * result with the candidates that finished.
 */
import { useCallback, useRef, useState } from 'react';
import type { CandidateRecord } from '@/lib/qroar/search';
import { reportSearchOf, type ReportSearch } from '@/lib/report/searchRecord';
import { planScenario, type ScenarioPlan } from '@/lib/scenario/plan';
import { cancelledSearchResult, plannedCandidateCount, type SearchRunResult } from '@/lib/scenario/search';
import { searchJobOf, type SearchChoice } from '@/lib/scenario/searchRun';
import { SEARCH_DEFAULTS } from '@/lib/scenario/searchPlan';
import type { Band } from '@/lib/rope/types';
import { quantBuildOf, unsupportedQuantBuild } from '@/lib/scenario/weightsBuild';
import type { Settings } from '@/lib/settings/settings';
import { jobModelOf } from '@/workers/engine/jobModel';
import { getJobAnalysisClient } from './engineClient';
import { reportDevice } from './jobStore';
import type { ModelInfo } from './useModelInfo';
import type { SearchState } from '@/lib/views/searchStates';

/** Dev windows of L′ per candidate: the one default of both drivers (lib/scenario/searchPlan SEARCH_DEFAULTS). */
export const SEARCH_WINDOWS = SEARCH_DEFAULTS.devWindows;
/**
 * Default held-out test windows of L′ for the before/after and penalty figures in the page. The
 * CLI uses every window by default; in WASM the four test curves (PTQ and FP, before/after) over
 * the whole bundled test text would take minutes, so the page starts at 16 windows (≈ 8 candidates'
 * time) and lets the user raise it; every figure carries its standard error either way.
 */
export const SEARCH_TEST_WINDOWS = 16;
export const SEARCH_WINDOW_LO = SEARCH_DEFAULTS.lo;
export const SEARCH_WINDOW_HI = SEARCH_DEFAULTS.hi;

export interface SearchSetup {
  variant: Settings['qroarVariant'];
  bands: Band[];
  contextTokens: number;
  shortContextTokens: number;
  gridPoints: number;
  guardTolerance: number;
}

export interface SearchView {
  state: SearchState;
  setup: SearchSetup | null;
  candidates: CandidateRecord[];
  totalCandidates: number;
  message: string;
  result: SearchRunResult | null;
  /** The report's search section (live run or reopened report). */
  record: ReportSearch | null;
  error: string | null;
  startedAtMs: number | null;
}

const IDLE: SearchView = {
  state: 'idle',
  setup: null,
  candidates: [],
  totalCandidates: 0,
  message: '',
  result: null,
  record: null,
  error: null,
  startedAtMs: null,
};

export interface SearchInputs {
  model: ModelInfo;
  settings: Settings;
  devTokens: Int32Array;
  testTokens: Int32Array;
  gridPoints: number;
  guardTolerance: number;
  /** Safe window of the grid (default SEARCH_WINDOW_LO … SEARCH_WINDOW_HI; wider after "Widen"). */
  window?: { lo: number; hi: number };
  /** Test windows of L′ (default SEARCH_TEST_WINDOWS; null = every window of the test text). */
  testWindows?: number | null;
}

/** Why the search cannot run with these settings, or null. */
export function searchBlockedReason(settings: Settings, model: ModelInfo | undefined): string | null {
  if (!model) return 'the model is still loading';
  if (model.baseUrl === null && model.files === null) return 'the model has no weights the engine can read';
  if (!quantBuildOf(settings.weightQuant, settings.kvQuant))
    return 'Q-ROAR searches scales for a quantized model: choose a weight or KV-cache quantization first';
  return unsupportedQuantBuild(settings.kvQuant, model.spec?.headDim);
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export function useQroarSearch() {
  const [view, setView] = useState<SearchView>(IDLE);
  const abortRef = useRef<AbortController | null>(null);

  const start = useCallback(async (inputs: SearchInputs): Promise<void> => {
    const { model, settings } = inputs;
    const blocked = searchBlockedReason(settings, model);
    if (blocked) {
      setView({ ...IDLE, state: 'error', error: blocked });
      return;
    }
    let plan: ScenarioPlan;
    try {
      plan = planScenario(settings, model);
    } catch (err) {
      setView({ ...IDLE, state: 'error', error: errorText(err) });
      return;
    }
    abortRef.current?.abort();
    const abort = new AbortController();
    abortRef.current = abort;
    const { bands } = plan;
    const L = plan.contextTokens;
    const setup: SearchSetup = {
      variant: settings.qroarVariant,
      bands,
      contextTokens: L,
      shortContextTokens: plan.shortContextTokens,
      gridPoints: inputs.gridPoints,
      guardTolerance: inputs.guardTolerance,
    };
    const total = plannedCandidateCount(bands.length, inputs.gridPoints);
    setView({ ...IDLE, state: 'running', setup, totalCandidates: total, message: 'building the first graph…', startedAtMs: performance.now() });
    const choice: SearchChoice = {
      devTokens: inputs.devTokens,
      testTokens: inputs.testTokens,
      gridPoints: inputs.gridPoints,
      guardTolerance: inputs.guardTolerance,
      window: { lo: inputs.window?.lo ?? SEARCH_WINDOW_LO, hi: inputs.window?.hi ?? SEARCH_WINDOW_HI },
      windows: SEARCH_WINDOWS,
      ...(inputs.testWindows === null ? {} : { testWindows: inputs.testWindows ?? SEARCH_TEST_WINDOWS }),
    };
    const candidates: CandidateRecord[] = [];
    const recordOf = (result: SearchRunResult) =>
      reportSearchOf(result, {
        variant: setup.variant,
        bands: bands.map((b) => ({ bandIndex: b.bandIndex, firstPair: b.firstPair, lastPair: b.lastPair, label: b.label })),
        contextTokens: L,
        shortContextTokens: setup.shortContextTokens,
      });
    try {
      // The worker plans the same settings again and runs lib/scenario runSearch (searchJobOf +
      // searchOpener over its engine connection); a cancel answers the cancelled result.
      const result = await getJobAnalysisClient().searchJob(
        { settings, model: jobModelOf(model), choice },
        {
          signal: abort.signal,
          onCandidate: (c) => {
            candidates.push(c);
            const snapshot = [...candidates];
            setView((v) => (abortRef.current === abort ? { ...v, candidates: snapshot } : v));
          },
          onProgress: (p) => {
            if (p.device) reportDevice(p.device);
            const { message } = p;
            if (message !== undefined) setView((v) => (abortRef.current === abort ? { ...v, message } : v));
          },
        },
      );
      if (abortRef.current !== abort) return;
      setView((v) => ({
        ...v,
        state: result.cancelled ? 'cancelled' : 'done',
        result,
        record: recordOf(result),
        message: result.cancelled ? 'cancelled' : `done in ${result.seconds.toFixed(1)} s`,
      }));
    } catch (err) {
      if (abortRef.current !== abort) return;
      if (abort.signal.aborted) {
        // Aborted before the request reached the worker: keep what finished (nothing, or what streamed).
        const partial = cancelledSearchResult(searchJobOf(plan, choice), candidates);
        setView((v) => ({ ...v, state: 'cancelled', result: partial, record: recordOf(partial), message: 'cancelled' }));
        return;
      }
      setView((v) => ({ ...v, state: 'error', error: errorText(err), message: '' }));
    }
  }, []);

  const cancel = useCallback((): void => {
    abortRef.current?.abort();
  }, []);

  /** Shows a search from an opened report (no rerun). */
  const restore = useCallback((record: ReportSearch | null): void => {
    abortRef.current?.abort();
    abortRef.current = null;
    if (!record) {
      setView(IDLE);
      return;
    }
    setView({ ...IDLE, state: record.run?.state ?? 'done', record, totalCandidates: record.candidates.length });
  }, []);

  return { view, start, cancel, restore };
}
