'use client';
/**
 * The live Q-ROAR panel (issue #6 item 3, SPEC §5): per-band sliders with proxy feedback, the
 * band search streamed into a live chart with progress/ETA/Cancel, the result card with Apply and
 * downloads. Carries data-search-state for the test contract; hands its report record upward.
 */
import { useEffect, useMemo, useState } from 'react';
import { ChartCard } from '@/components/charts/ChartCard';
import { ScaleSliders } from '@/components/qroar/ScaleSliders';
import { SearchControls } from '@/components/qroar/SearchControls';
import { SearchResultCard } from '@/components/qroar/SearchResultCard';
import { searchOutcomeView } from '@/lib/report/searchOutcomeView';
import type { ChartBand } from '@/lib/charts/types';
import { errorText } from '@/lib/views/chartState';
import { searchCandidatesState, searchPenaltyState } from '@/lib/views/searchStates';
import type { ReportSearch } from '@/lib/report/searchRecord';
import { toSearchCandidate } from '@/lib/report/searchRecord';
import { scenarioBands } from '@/lib/scenario/pressure';
import { measurementCandidateEquivalents, searchEtaMs } from '@/lib/scenario/searchEta';
import { SEARCH_DEFAULTS } from '@/lib/scenario/searchPlan';
import { encodeSettings } from '@/lib/settings/codec';
import { bandSpecString, type Settings } from '@/lib/settings/settings';
import { patchedQkFile, scalesJsonFile, type DownloadFile } from '@/hooks/useQroarDownloads';
import { downloadBlob } from '@/components/download';
import { useQroarProxy } from '@/hooks/useQroarProxy';
import { SEARCH_TEST_WINDOWS, SEARCH_WINDOW_HI, SEARCH_WINDOW_LO, SEARCH_WINDOWS, searchBlockedReason, useQroarSearch } from '@/hooks/useQroarSearch';
import type { ModelInfo } from '@/hooks/useModelInfo';
import { useTokens } from '@/hooks/useTokens';

export interface QroarSectionProps {
  settings: Settings;
  setSettings: (s: Settings) => void;
  model: ModelInfo | undefined;
  testTokens: Int32Array | undefined;
  userText: File | null;
  dark: boolean;
  /** Analysis-worker proxy setup holding the FP/quantized post-RoPE taps, or null while none. */
  proxySetupId: string | null;
  /** The opened report's search (undefined when no report is open). */
  reportSearch: ReportSearch | null | undefined;
  /** Receives the search record for the run report whenever it changes. */
  onRecord: (record: ReportSearch | null) => void;
}

const sameScales = (a: number[] | null, b: number[] | null) => a !== null && b !== null && a.length === b.length && a.every((x, i) => x === b[i]);

export function QroarSection({ settings, setSettings, model, testTokens, userText, dark, proxySetupId, reportSearch, onRecord }: QroarSectionProps) {
  const { view, start, cancel, restore } = useQroarSearch();
  const devTokens = useTokens(settings.text, 'dev', userText, model?.spec?.vocabSize, model ? { key: model.id, tokenizer: model.tokenizer } : undefined);
  const [gridPoints, setGridPoints] = useState<number>(SEARCH_DEFAULTS.gridPoints);
  const [testWindows, setTestWindows] = useState(SEARCH_TEST_WINDOWS);
  const [searchWindow, setSearchWindow] = useState({ lo: SEARCH_WINDOW_LO, hi: SEARCH_WINDOW_HI });
  const [downloadError, setDownloadError] = useState<string | null>(null);

  const bands: ChartBand[] = useMemo(() => {
    if (!model) return [];
    try {
      return scenarioBands(model.rope, settings).map((b) => ({ bandIndex: b.bandIndex, firstPair: b.firstPair, lastPair: b.lastPair, label: b.label }));
    } catch {
      return [];
    }
  }, [model, settings]);

  const [scales, setScales] = useState<number[]>([]);
  // The sliders follow the band partition and the applied scales, adjusted while rendering (React's
  // "adjusting state when a prop changes"), not in an effect that renders twice.
  const [scalesFor, setScalesFor] = useState<{ bands: ChartBand[]; applied: number[] | null } | null>(null);
  if (!scalesFor || scalesFor.bands !== bands || scalesFor.applied !== settings.appliedScales) {
    setScalesFor({ bands, applied: settings.appliedScales });
    setScales(
      settings.appliedScales && settings.appliedScales.length === bands.length
        ? settings.appliedScales
        : scales.length === bands.length
          ? scales
          : bands.map(() => 1),
    );
  }
  const proxy = useQroarProxy(proxySetupId, scales, settings.qroarVariant);

  useEffect(() => {
    // A report opened (show its search) or closed (back to idle); undefined at mount is idle too.
    restore(reportSearch ?? null);
  }, [reportSearch, restore]);
  useEffect(() => {
    onRecord(view.record);
  }, [view.record, onRecord]);

  const shownBands: ChartBand[] = view.record?.run?.bands ?? bands;
  const liveCandidates = useMemo(
    () => (view.state === 'running' ? view.candidates.map(toSearchCandidate) : (view.record?.candidates ?? view.candidates.map(toSearchCandidate))),
    [view.state, view.candidates, view.record],
  );
  const noOpReason = view.record?.run?.noOpReason ?? null;
  // Rebuilt when the candidates or the status change, not on every slider move.
  const chart = useMemo(
    () =>
      searchCandidatesState(
        { state: view.state, message: view.message, error: view.error, candidates: liveCandidates, bands: shownBands, noOpReason },
        { dark },
      ),
    [view.state, view.message, view.error, liveCandidates, shownBands, noOpReason, dark],
  );

  const blocked =
    reportSearch !== undefined
      ? 'a report is open (close it to search)'
      : (searchBlockedReason(settings, model) ??
        (devTokens.isError ? `dev text: ${errorText(devTokens.error)}` : !devTokens.data || !testTokens ? 'the texts are still loading' : null));
  const run = view.record?.run;
  const chosen = view.record?.chosenScales ?? null;
  const etaMs =
    view.state === 'running'
      ? searchEtaMs(
          view.candidates.map((c) => c.elapsedMs),
          view.totalCandidates,
          measurementCandidateEquivalents(SEARCH_WINDOWS, testWindows),
        )
      : null;
  const outcome = useMemo(() => (run ? searchOutcomeView(run) : null), [run]);
  const penaltyChart = useMemo(() => searchPenaltyState(run?.penalty, { dark }), [run, dark]);

  const startSearch = (window: { lo: number; hi: number }, points: number) => {
    if (!model || !devTokens.data || !testTokens) return;
    // The visit-order tie-break (TIR of k post-RoPE) is computed by the search itself, as the CLI does.
    void start({
      model,
      settings,
      devTokens: devTokens.data,
      testTokens,
      gridPoints: points,
      guardTolerance: SEARCH_DEFAULTS.guardTolerance,
      window,
      testWindows,
    });
  };

  const guarded = (make: () => Promise<DownloadFile> | DownloadFile) => async () => {
    try {
      setDownloadError(null);
      const f = await make();
      downloadBlob(f.fileName, f.data, f.mimeType);
    } catch (err) {
      setDownloadError(`Download failed: ${errorText(err)}`);
    }
  };

  return (
    <section
      data-search-state={view.state}
      aria-label="Q-ROAR"
      className="flex flex-col gap-2 rounded border border-zinc-200 bg-white p-2 xl:col-span-2 dark:border-zinc-800 dark:bg-zinc-900"
    >
      <h3 className="text-sm font-semibold">Q-ROAR: per-band W_Q/W_K scales</h3>
      <div className="grid grid-cols-1 gap-3 lg:grid-cols-2">
        <div className="flex flex-col gap-2">
          <ScaleSliders
            bands={bands}
            scales={scales}
            lo={SEARCH_WINDOW_LO}
            hi={SEARCH_WINDOW_HI}
            onScales={setScales}
            variant={settings.qroarVariant}
            onVariant={(v) => setSettings({ ...settings, qroarVariant: v })}
            proxy={proxy}
            disabled={bands.length === 0 || reportSearch !== undefined}
          />
          <div className="flex gap-2 text-xs">
            <button
              type="button"
              className="rounded border border-zinc-300 px-2 py-0.5 hover:bg-zinc-100 disabled:opacity-40 dark:border-zinc-700 dark:hover:bg-zinc-800"
              disabled={bands.length === 0 || sameScales(settings.appliedScales, scales) || reportSearch !== undefined}
              onClick={() => setSettings({ ...settings, appliedScales: scales.every((g) => g === 1) ? null : scales })}
              aria-label="Apply the slider scales to every view"
            >
              Apply slider scales
            </button>
            {settings.appliedScales ? (
              <span className="text-zinc-500">
                Applied: [{settings.appliedScales.map((g) => g.toFixed(3)).join(', ')}] ({settings.qroarVariant})
              </span>
            ) : null}
          </div>
          <SearchControls
            state={view.state}
            gridPoints={gridPoints}
            onGridPoints={setGridPoints}
            windowLo={searchWindow.lo}
            windowHi={searchWindow.hi}
            testWindows={testWindows}
            onTestWindows={setTestWindows}
            bandCount={bands.length}
            done={view.state === 'running' ? view.candidates.length : (view.record?.candidates.length ?? 0)}
            total={view.state === 'running' ? view.totalCandidates : (view.record?.candidates.length ?? 0)}
            etaMs={etaMs}
            message={view.state === 'error' ? '' : view.message}
            blocked={view.state === 'running' ? null : blocked}
            onRun={() => startSearch(searchWindow, gridPoints)}
            onCancel={cancel}
          />
          {view.state === 'error' ? (
            <p role="alert" className="text-xs text-red-700 dark:text-red-400">
              Search failed: {view.error}
            </p>
          ) : null}
          {run && chosen && outcome ? (
            <SearchResultCard
              run={run}
              outcome={outcome}
              onWiden={
                reportSearch !== undefined || !outcome.edge || blocked !== null
                  ? null
                  : () => {
                      const w = outcome.edge!.widenTo;
                      setSearchWindow({ lo: w.lo, hi: w.hi });
                      setGridPoints(w.pointCount);
                      startSearch({ lo: w.lo, hi: w.hi }, w.pointCount);
                    }
              }
              chosenScales={chosen}
              applied={sameScales(settings.appliedScales, chosen) && settings.qroarVariant === run.variant}
              onApply={reportSearch !== undefined ? null : () => setSettings({ ...settings, appliedScales: chosen, qroarVariant: run.variant })}
              onDownloadPatched={model ? guarded(() => patchedQkFile(model, run, chosen)) : null}
              onDownloadScales={model ? guarded(() => scalesJsonFile(model, run, chosen, bandSpecString(settings.bands), encodeSettings(settings))) : null}
              downloadError={downloadError}
            />
          ) : null}
        </div>
        <div className="flex flex-col gap-2">
          <ChartCard id="search-candidates" state={chart} dark={dark} heightPx={260} />
          {/* Only once a result has penalty figures: a chart that waits for a click must not sit in the page as "loading". */}
          {penaltyChart ? <ChartCard id="search-penalty" state={penaltyChart} dark={dark} heightPx={220} /> : null}
        </div>
      </div>
    </section>
  );
}
