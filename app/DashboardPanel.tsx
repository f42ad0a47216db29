'use client';
/** The dashboard route's one client panel: wires settings, model and worker hooks to presentational components. */
import { memo, useDeferredValue, useMemo, useState } from 'react';
import { ChartCard } from '@/components/charts/ChartCard';
import { SettingsPanel } from '@/components/settings/SettingsPanel';
import { useModelInfo, type UserModelFiles } from '@/hooks/useModelInfo';
import { useSettings } from '@/hooks/useSettings';
import { useTheme } from '@/hooks/useTheme';
import { useTokens } from '@/hooks/useTokens';
import { usePerplexityCurves } from '@/hooks/usePerplexityCurves';
import { progressOf, useDeviceUsed, useJobProgress } from '@/hooks/jobStore';
import { pplChartState, reportCompoundingState, reportPplState, type CurveStateArgs } from '@/lib/views/curveStates';
import { pressureStates, reportPressureStates } from '@/lib/views/pressureStates';
import { errorText, type ChartState } from '@/lib/views/chartState';
import { compoundingChartStateMemo } from './compoundingState';
import { CompoundingViewToggle } from '@/components/charts/CompoundingViewToggle';
import type { CompoundingView } from '@/lib/charts/compoundingChart';
import { AxisScaleToggle } from '@/components/charts/AxisScaleToggle';
import { resolveAxisScale } from '@/lib/charts/axisScale';
import { KV_CALIBRATION_DEFINITION } from '@/lib/eval/kvCalibration';
import { ReportBar } from '@/components/report/ReportBar';
import { buildReport, parseReport, serializeReport, type RunReport } from '@/lib/report/report';
import { downloadBlob } from '@/components/download';
import { PPL_TOKEN_BUDGET } from '@/hooks/usePerplexityCurves';
import { CompareSection } from './sections/CompareSection';
import { QroarSection } from './sections/QroarSection';
import type { ReportSearch } from '@/lib/report/searchRecord';
import { DiagnosticsSection } from './sections/DiagnosticsSection';
import { useDiagnosticsRun } from '@/hooks/useDiagnostics';
import { useProxySetup } from '@/hooks/useProxySetup';
import { describeTokenizerSource } from '@/lib/tokenize/describeSource';
import { DEFAULT_SCENARIO_WHY, isDefaultScenario } from '@/lib/settings/settings';
import { startEarly } from '@/hooks/earlyStart';

startEarly();

// Progress messages re-render the panel many times a second; these sections' props change only with data.
const QroarSectionMemo = memo(QroarSection);
const CompareSectionMemo = memo(CompareSection);

export function DashboardPanel() {
  const { settings, problems, setSettings } = useSettings();
  const { dark, toggle } = useTheme();
  const [userFiles, setUserFiles] = useState<UserModelFiles>(null);
  const [userText, setUserText] = useState<File | null>(null);
  const modelInfo = useModelInfo(settings.model, userFiles, settings.trainedWindowTokens);
  // TanStack Query updates render synchronously (useSyncExternalStore); model info arriving turns the
  // whole dashboard from loading to data, one main-thread task of 100+ ms. Deferred, React renders
  // that in interruptible slices after an urgent pass with the previous value.
  const modelData = useDeferredValue(modelInfo.data);
  const model = useMemo(() => ({ data: modelData, isError: modelInfo.isError, error: modelInfo.error }), [modelData, modelInfo.isError, modelInfo.error]);
  // The jobs start from the model info as it arrives (the urgent pass), not after the deferred
  // render of the dashboard: that render took ~0.3 s on this machine before the first job was sent.
  const jobModel = modelInfo.data;
  const theme = useMemo(() => ({ dark }), [dark]);
  const [openedReport, setOpenedReport] = useState<RunReport | null>(null);
  const [reportError, setReportError] = useState<string | null>(null);
  // What an older report version measured differently (lib/report parseReport notes).
  const [reportNotes, setReportNotes] = useState<string[]>([]);
  const [searchRecord, setSearchRecord] = useState<ReportSearch | null>(null);
  const [compoundingView, setCompoundingView] = useState<CompoundingView>('relative');
  const deviceUsed = useDeviceUsed();
  const testTokens = useTokens(
    settings.text,
    'test',
    userText,
    jobModel?.spec?.vocabSize,
    jobModel ? { key: jobModel.id, tokenizer: jobModel.tokenizer } : undefined,
  );
  const textKey = settings.text === 'user' && userText ? `user:${userText.name}:${userText.size}:${userText.lastModified}` : 'brown-test';
  const ppl = usePerplexityCurves(settings, jobModel, testTokens.data, textKey);
  const diagnosticsRun = useDiagnosticsRun(settings, jobModel, modelInfo.isError ? modelInfo.error : null, userText, !openedReport);
  // The sliders' proxy runs on the dev text after the diagnostics are drawn, so it delays no default chart.
  const proxySetupId = useProxySetup(settings, jobModel, userText, !openedReport && diagnosticsRun.outcome !== undefined);
  useJobProgress('');
  const trainedWindowTokens = model.data?.trainedWindow.windowTokens ?? 0;
  const upstreamError = model.isError ? `Model: ${errorText(model.error)}` : testTokens.isError ? `Text: ${errorText(testTokens.error)}` : null;
  // The perplexity and quantization-gap charts read the same curve results.
  const curveInputs: CurveStateArgs = {
    jobs: ppl.jobs,
    results: ppl.results,
    progress: ppl.progressKeys.map((k) => progressOf(k)),
    mainMethod: ppl.mainMethod,
    blocked: ppl.blocked,
    trainedWindowTokens,
    theme,
    upstreamError,
  };
  const pplView = pplChartState({
    ...curveInputs,
    yScale: settings.pplAxis,
    kvNote:
      settings.kvQuant?.grouping === 'channel'
        ? `KV cache per channel: ${KV_CALIBRATION_DEFINITION} Here S = L = ${trainedWindowTokens} tokens of the test text.`
        : null,
  });

  const compoundingLive = compoundingChartStateMemo({ ...curveInputs, view: compoundingView });

  const pressure = useMemo(
    () => (openedReport ? reportPressureStates(openedReport.pressure, theme) : pressureStates(model, settings, theme)),
    [model, settings, theme, openedReport],
  );

  const reportPpl = openedReport?.perplexity;
  const pplAxisInForce = resolveAxisScale(
    settings.pplAxis,
    (openedReport ? (reportPpl?.curves ?? []) : pplView.curves).flatMap((c) => c.perplexity),
  );
  const pplState: ChartState = openedReport ? reportPplState(reportPpl ?? null, theme, settings.pplAxis) : pplView.state;

  const reportCompounding = useMemo(
    (): ChartState | null => (openedReport ? reportCompoundingState(openedReport.perplexity, compoundingView, theme) : null),
    [openedReport, compoundingView, theme],
  );
  const compoundingState: ChartState = reportCompounding ?? compoundingLive.state;

  const saveReport = (): void => {
    if (!model.data) return;
    const report = buildReport({
      settings,
      model: {
        id: model.data.id,
        label: model.data.label,
        identity: model.data.identity,
        weightsSizeBytes: model.data.weightsSizeBytes,
        trainedWindow: model.data.trainedWindow,
      },
      device: deviceUsed,
      pressure: pressure.data ?? null,
      perplexity: pplView.curves.length
        ? { curves: pplView.curves, trainedWindowTokens, tokenBudget: PPL_TOKEN_BUDGET, positionGaps: compoundingLive.data?.positions ?? [] }
        : null,
      search: searchRecord,
      diagnostics: diagnosticsRun.outcome?.result ?? null,
      createdAt: new Date(),
    });
    downloadBlob('bandscope-report.json', serializeReport(report), 'application/json');
  };
  const openReport = async (file: File): Promise<void> => {
    try {
      const { report, settings: reportSettings, notes } = parseReport(await file.text());
      setOpenedReport(report);
      setReportNotes(notes);
      setReportError(null);
      setSettings(reportSettings);
    } catch (err) {
      setReportError(`${file.name}: ${errorText(err)}`);
    }
  };

  const onDrop = (e: React.DragEvent): void => {
    e.preventDefault();
    const files = Array.from(e.dataTransfer.files);
    const gguf = files.find((f) => f.name.endsWith('.gguf'));
    if (gguf) {
      setUserFiles({ kind: 'gguf', file: gguf, extra: files.filter((f) => f.name === 'tokenizer.json' || f.name === 'tokenizer_config.json') });
      setSettings({ ...settings, model: { kind: 'gguf', name: gguf.name } });
    } else if (files.length) {
      setUserFiles({ kind: 'hf-folder', files });
      setSettings({ ...settings, model: { kind: 'hf-folder', name: files[0].name } });
    }
  };

  return (
    <div className="flex min-h-screen flex-col" onDragOver={(e) => e.preventDefault()} onDrop={onDrop}>
      <header className="flex items-center gap-3 border-b border-zinc-200 px-4 py-2 dark:border-zinc-800">
        <h1 className="text-base font-semibold">Bandscope</h1>
        <span className="text-xs text-zinc-500">RoPE interpolation × quantization, per frequency band — computed locally</span>
        <button
          type="button"
          className="ml-auto rounded border px-2 py-0.5 text-xs dark:border-zinc-700"
          onClick={toggle}
          aria-label={dark ? 'Switch to light theme' : 'Switch to dark theme'}
        >
          {dark ? 'Light' : 'Dark'}
        </button>
      </header>
      <ReportBar
        canSave={model.data !== undefined && !openedReport}
        onSave={saveReport}
        onOpen={(f) => void openReport(f)}
        opened={openedReport ? `${openedReport.model.label} · ${openedReport.createdAt}${reportNotes.length ? ` — ${reportNotes.join(' ')}` : ''}` : null}
        onClose={() => setOpenedReport(null)}
        error={reportError}
      />
      <div className="flex flex-1 flex-col gap-3 p-3 lg:flex-row">
        <aside className="w-full shrink-0 lg:w-72">
          {problems.length ? (
            <p role="alert" className="mb-2 text-[11px] text-amber-700 dark:text-amber-400">
              Ignored in the link: {problems.join('; ')}
            </p>
          ) : null}
          {isDefaultScenario(settings) ? (
            <p className="mb-2 text-[11px] text-zinc-600 dark:text-zinc-400" data-testid="default-why">
              {DEFAULT_SCENARIO_WHY}
            </p>
          ) : null}
          <SettingsPanel
            settings={settings}
            onChange={setSettings}
            deviceUsed={deviceUsed}
            modelLabel={model.data?.label ?? (model.isError ? `Error: ${errorText(model.error)}` : 'Reading model…')}
            trainedWindow={model.data?.trainedWindow ?? null}
            tokenizerLine={model.data ? describeTokenizerSource(model.data.tokenizer) : null}
            onOpenFolder={(files) => {
              setUserFiles({ kind: 'hf-folder', files });
              setSettings({ ...settings, model: { kind: 'hf-folder', name: (files[0].webkitRelativePath || files[0].name).split('/')[0] } });
            }}
            onOpenGguf={(file) => {
              setUserFiles({ kind: 'gguf', file });
              setSettings({ ...settings, model: { kind: 'gguf', name: file.name } });
            }}
            onOpenText={setUserText}
            userTextName={userText?.name ?? null}
          />
        </aside>
        <main className="grid flex-1 grid-cols-1 gap-3 xl:grid-cols-2">
          {/* The chart that answers the product's question sits first, across both columns. */}
          <div className="xl:col-span-2">
            <ChartCard
              id="compounding"
              state={compoundingState}
              dark={dark}
              heightPx={280}
              controls={<CompoundingViewToggle value={compoundingView} onChange={setCompoundingView} />}
            />
          </div>
          <ChartCard id="pressure-pair" state={pressure.pair} dark={dark} />
          <ChartCard id="pressure-band" state={pressure.band} dark={dark} />
          <ChartCard
            id="ppl-context"
            state={pplState}
            dark={dark}
            heightPx={280}
            controls={
              <AxisScaleToggle
                label="Perplexity y-axis scale"
                value={settings.pplAxis}
                resolved={pplAxisInForce}
                onChange={(pplAxis) => setSettings({ ...settings, pplAxis })}
              />
            }
          />
          <DiagnosticsSection run={diagnosticsRun} report={openedReport?.diagnostics} reportOpen={openedReport !== null} dark={dark} />
          <QroarSectionMemo
            settings={settings}
            setSettings={setSettings}
            model={model.data}
            testTokens={testTokens.data}
            userText={userText}
            dark={dark}
            proxySetupId={proxySetupId}
            reportSearch={openedReport ? openedReport.search : undefined}
            onRecord={setSearchRecord}
          />
        </main>
      </div>
      <div className="px-3 pb-3">
        <CompareSectionMemo dark={dark} />
      </div>
    </div>
  );
}
