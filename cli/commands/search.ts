/**
 * `bandscope search --model <builtin | hf-folder | file.gguf> --dev <file> --test <file> [flags] [--json]`
 * The Q-ROAR per-band W_Q/W_K scale search (SPEC §5) with the real objective; see HELP below.
 * --json prints one object {model, modelIdentity, settings, bands, candidates, chosen, dev, test,
 * shortContext, out, seconds} (cli/scenario/searchJson); --report FILE writes the dashboard's run
 * report (cli/scenario/report); progress lines always go to stderr.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeSafetensorsF32 } from '../../lib/export/safetensorsWriter';
import { customBandSpec, formatQroarScalesJson, QROAR_SCALES_FORMAT, QROAR_SCALES_VERSION } from '../../lib/export/scalesJson';
import { MODEL_IDENTITY_SCHEME } from '../../lib/model/open';
import { logSpacedGrid } from '../../lib/qroar/grid';
import { gridEdgeMessage, WIDEN_DEFINITION } from '../../lib/qroar/gridEdge';
import { FLOAT_TOLERANCE_NATS, NOISE_SIGMAS, type NoiseSettings } from '../../lib/qroar/noise';
import { formatPplChange, noiseDefinition, PENALTY_DEFINITION, penaltyLine } from '../../lib/qroar/outcomeText';
import { CONTROL_SHARE_DEFINITION, controlShares, notSpecificSentence } from '../../lib/qroar/controlShare';
import { QROAR_VARIANTS, type QroarVariant } from '../../lib/qroar/transform';
import { formatRtnSpec } from '../../lib/quant/rtnSpec';
import { reportSearchOf } from '../../lib/report/searchRecord';
import { pressureChartData } from '../../lib/scenario/pressure';
import { patchedQkTensors, scalesOutcomeSettings } from '../../lib/scenario/searchExport';
import { planScenario } from '../../lib/scenario/plan';
import { runSearch } from '../../lib/scenario/search';
import { searchJobOf, searchOpener } from '../../lib/scenario/searchRun';
import { GUARD_DEFINITION, guardWindowCount, SEARCH_DEFAULTS } from '../../lib/scenario/searchPlan';
import {
  booleanFlag,
  ENGINE_FLAGS,
  engineFlags,
  MEMORY_BUDGET_FLAG,
  memoryBudgetFlag,
  parseFlags,
  stringFlag,
  TRAINED_WINDOW_FLAG,
  trainedWindowFlag,
} from '../args';
import { checkRunBudget } from '../scenario/budget';
import { weightPrecisionOf } from '../../lib/model/budgetCheck';
import { UsageError } from '../errors';
import { configureNodeEngines, nodeEngineReport } from '../engine/nodeRunner';
import { createNodeEnginePort } from '../engine/nodePort';
import { intFlag, numberFlag, parseBandsChoice, parseKvChoice, parseQuantChoice, parseRopeChoice, resolveRunLengths } from '../scenario/flags';
import { openScenarioModel, requireWindow, scenarioPlanModel } from '../scenario/model';
import { cliReportModel, cliReportSettings, cliSettings, writeCliReport, type CliScenario } from '../scenario/report';
import { searchJson } from '../scenario/searchJson';
import { qroarFactors } from '../scenario/runs';

const COMMAND = 'search';

const HELP = `usage: bandscope search --model <builtin|hf-folder|file.gguf> --dev <file> --test <file>
  [--context N]          long context L′ (default s × trained window L)
  [--short-context N]    guard context, ≤ L (default L)
  [--rope yarn:4 …]      PI over the trained window (none|linear|ntk|dynamic|yarn|llama3:S)
  [--quant rtn:w4g32a]   RTN of every decoder linear, applied AFTER the scales (default rtn:w4g32a)
  [--kv int8:token:post] per-token KV-cache fake quant (default none)
  [--bands equal-log:4|yarn|custom:0-7,…]
  [--variant shared|symmetric|query-only]   (default shared)
  [--grid ${SEARCH_DEFAULTS.gridPoints}] [--window ${SEARCH_DEFAULTS.lo},${SEARCH_DEFAULTS.hi}] [--sweeps ${SEARCH_DEFAULTS.sweeps}] [--guard ${SEARCH_DEFAULTS.guardTolerance}]
  [--windows N]          dev windows at L′ per candidate (default ${SEARCH_DEFAULTS.devWindows}, the dashboard's too; ≥ 2 for the
                         noise test); the guard uses N·⌊L′/short⌋ separate short windows
  [--test-windows N]     held-out windows of L′ (default: all of the test text); shorter reported
                         contexts are the first tokens of those windows
  [--noise 2]            a candidate must beat the incumbent by more than this many standard errors
  [--widen]              when a chosen scale lies on the window edge, search once more with the
                         window widened one step: ${WIDEN_DEFINITION}
  [--out DIR]            write DIR/qroar-patched.safetensors and DIR/qroar-scales.json
  [--report FILE]        write the dashboard's run report (open it there with "Open report")
  [--memory-budget 6G]   refuse (exit 2) when the run's peak memory exceeds it (default 75% of RAM)
  [--threads N]          onnxruntime-node intra-op threads (default all cores)
  [--device cpu|webgpu|auto]  execution provider (default cpu; webgpu refused without an adapter, auto falls back)
  [--json]

Objective: mean NLL of the dev windows at L′ with the candidate scales applied to W_Q/W_K
(scale first, then quantize). ${GUARD_DEFINITION} The tolerance is --guard.
Bands are visited by descending analytic IP, ties by k post-RoPE TIR. The search is the dashboard's
own (lib/scenario/search): the same settings give the same candidates and scales there.
Noise: ${noiseDefinition({ sigmas: NOISE_SIGMAS, floatToleranceNats: FLOAT_TOLERANCE_NATS })}
The chosen scales are then measured on the held-out --test text at the short context and at L′,
on PTQ and on the full-precision model (the control, same PI). ${PENALTY_DEFINITION}
${CONTROL_SHARE_DEFINITION} --json: penalty[].shares holds them per context.

Variants: shared scales both W_Q and W_K rows of a band by g (band logit × g², a per-band
temperature); query-only scales W_Q only (× g); symmetric scales W_Q by g and W_K by 1/g.
Symmetric is a no-op under row-local RTN without KV-cache quantization: RTN quantizes each row
(group) on its own, so Q(g·w) = g·Q(w) and every logit q·k keeps g·(1/g) = 1 — the searched NLL
cannot move. It only matters when the quantizer couples q and k magnitudes, e.g. --kv with keys;
without it the search is not run and g = 1 is reported with the reason.`;

export async function run(argv: string[]): Promise<void> {
  const started = performance.now();
  const flags = parseFlags(COMMAND, argv, {
    ...TRAINED_WINDOW_FLAG,
    ...MEMORY_BUDGET_FLAG,
    ...ENGINE_FLAGS,
    model: { type: 'string' },
    dev: { type: 'string' },
    test: { type: 'string' },
    context: { type: 'string' },
    'short-context': { type: 'string' },
    rope: { type: 'string' },
    quant: { type: 'string' },
    kv: { type: 'string' },
    bands: { type: 'string' },
    variant: { type: 'string' },
    grid: { type: 'string' },
    window: { type: 'string' },
    sweeps: { type: 'string' },
    guard: { type: 'string' },
    windows: { type: 'string' },
    'test-windows': { type: 'string' },
    noise: { type: 'string' },
    widen: { type: 'boolean' },
    out: { type: 'string' },
    report: { type: 'string' },
    json: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  });
  if (booleanFlag(flags, 'help')) {
    process.stdout.write(`${HELP}\n`);
    return;
  }
  const modelArg = stringFlag(COMMAND, flags, 'model', true) as string;
  const devPath = stringFlag(COMMAND, flags, 'dev', true) as string;
  const testPath = stringFlag(COMMAND, flags, 'test', true) as string;
  const choice = parseRopeChoice(COMMAND, stringFlag(COMMAND, flags, 'rope') ?? 'none');
  const rtn = parseQuantChoice(COMMAND, stringFlag(COMMAND, flags, 'quant') ?? 'rtn:w4g32a');
  const kvRaw = stringFlag(COMMAND, flags, 'kv') ?? 'none';
  const kvQuant = parseKvChoice(COMMAND, kvRaw);
  const bandsRaw = stringFlag(COMMAND, flags, 'bands') ?? 'equal-log:4';
  const variant = (stringFlag(COMMAND, flags, 'variant') ?? 'shared') as QroarVariant;
  if (!QROAR_VARIANTS.includes(variant)) throw new UsageError(`${COMMAND}: --variant must be one of ${QROAR_VARIANTS.join(', ')}, got '${variant}'`);
  const gridPoints = intFlag(COMMAND, 'grid', stringFlag(COMMAND, flags, 'grid'), SEARCH_DEFAULTS.gridPoints, 2);
  const windowRaw = stringFlag(COMMAND, flags, 'window') ?? `${SEARCH_DEFAULTS.lo},${SEARCH_DEFAULTS.hi}`;
  const windowParts = windowRaw.split(',').map((s) => (s.trim() === '' ? NaN : Number(s)));
  const [lo, hi] = windowParts;
  if (windowParts.length !== 2 || !(lo > 0 && lo <= 1 && hi >= 1 && Number.isFinite(hi)) || lo === hi) {
    throw new UsageError(`${COMMAND}: --window must be 'lo,hi' with 0 < lo ≤ 1 ≤ hi (not both 1), got '${windowRaw}'`);
  }
  const sweeps = intFlag(COMMAND, 'sweeps', stringFlag(COMMAND, flags, 'sweeps'), SEARCH_DEFAULTS.sweeps);
  const guardTolerance = numberFlag(COMMAND, 'guard', stringFlag(COMMAND, flags, 'guard'), SEARCH_DEFAULTS.guardTolerance);
  const windows = intFlag(COMMAND, 'windows', stringFlag(COMMAND, flags, 'windows'), SEARCH_DEFAULTS.devWindows, 2);
  const testWindowsRaw = stringFlag(COMMAND, flags, 'test-windows');
  const testWindows = testWindowsRaw === undefined ? undefined : intFlag(COMMAND, 'test-windows', testWindowsRaw, 1);
  const noise: NoiseSettings = {
    sigmas: numberFlag(COMMAND, 'noise', stringFlag(COMMAND, flags, 'noise'), SEARCH_DEFAULTS.noise.sigmas),
    floatToleranceNats: SEARCH_DEFAULTS.noise.floatToleranceNats,
  };
  const widen = booleanFlag(flags, 'widen');
  const outDir = stringFlag(COMMAND, flags, 'out');
  const reportPath = stringFlag(COMMAND, flags, 'report');
  const trainedWindowOverride = trainedWindowFlag(COMMAND, flags);
  const log = (msg: string) => process.stderr.write(`${COMMAND}: ${msg}\n`);

  const memory = memoryBudgetFlag(COMMAND, flags);
  // --device is resolved (a one-node probe) before the model is opened: 'webgpu' without an adapter is refused here.
  const engineSettings = engineFlags(COMMAND, flags);
  const engine = await configureNodeEngines(engineSettings);
  // Said when asked for (the default cpu run keeps stderr to its progress lines).
  if (engineSettings.device !== 'cpu' || engineSettings.threads !== undefined)
    process.stderr.write(`${COMMAND}: engines on ${engine.device}, ${engine.threads} threads${engine.note ? ` (${engine.note})` : ''}\n`);
  const model = await openScenarioModel(modelArg, { trainedWindowTokens: trainedWindowOverride });
  try {
    const { spec } = model;
    const {
      rope: flagRope,
      trainedWindow,
      context,
      shortContext,
    } = resolveRunLengths(
      COMMAND,
      { context: stringFlag(COMMAND, flags, 'context'), shortContext: stringFlag(COMMAND, flags, 'short-context') },
      spec.rope,
      choice,
      'the guard runs at ≤ L',
    );
    // Flags → settings (the dashboard's record; lib/settings) → the plan: PI rope, bands and the typed builds.
    const scenario: CliScenario = {
      modelArg,
      rope: choice,
      contextTokens: context,
      rtn,
      kvQuant,
      bands: bandsRaw,
      textPaths: [devPath, testPath],
      variant,
      ...(trainedWindowOverride !== undefined ? { trainedWindowTokens: trainedWindowOverride } : {}),
    };
    parseBandsChoice(COMMAND, bandsRaw, flagRope); // a bad --bands is a usage error before planning
    const plan = planScenario(cliSettings(scenario), scenarioPlanModel(model));
    const { rope, bands } = plan;
    // Refuse before any tensor is read: the all-layer tapped run at L′ (float32 sources kept, candidates beside them).
    checkRunBudget(
      COMMAND,
      memory,
      spec,
      { weights: weightPrecisionOf(rtn), kvQuant: kvQuant !== undefined, tapLayerCount: spec.numLayers, sourceTensors: 'kept' },
      context,
    );
    const devTokens = await model.readTokens(COMMAND, 'dev', devPath);
    const testTokens = await model.readTokens(COMMAND, 'test', testPath);
    requireWindow(COMMAND, 'dev', devTokens, context);
    requireWindow(COMMAND, 'test', testTokens, context);
    if (devTokens.length < windows * context)
      throw new UsageError(`${COMMAND}: --dev has ${devTokens.length} tokens, fewer than --windows ${windows} windows of ${context}`);
    const testContexts = [...new Set([shortContext, context])].sort((a, b) => a - b);
    const guardWindows = guardWindowCount(windows, context, shortContext, devTokens.length);
    // Refused before any run when the dashboard could not represent these settings.
    const reportSettings = reportPath === undefined ? null : cliReportSettings(COMMAND, scenario);
    const settings = {
      dev: devPath,
      test: testPath,
      trainedWindow,
      context,
      shortContext,
      rope: choice.label,
      quant: rtn ? formatRtnSpec(rtn) : 'none',
      kv: kvRaw,
      bands: bandsRaw,
      variant,
      grid: Array.from(logSpacedGrid(gridPoints, lo, hi)),
      window: [lo, hi],
      sweeps,
      guard: guardTolerance,
      windows,
      guardWindows,
      testWindows: testWindows ?? 'all',
      testContexts,
      noise,
      widen,
      objective: 'mean dev NLL at context (nats/token)',
      guardMetric: GUARD_DEFINITION,
    };
    const emit = (report: Record<string, unknown>, human: string) => {
      if (booleanFlag(flags, 'json')) process.stdout.write(`${JSON.stringify(report)}\n`);
      else process.stdout.write(human);
    };

    // The one search job of the dashboard too (lib/scenario/search via searchRun), over the Node engine port.
    const result = await runSearch({
      ...searchJobOf(plan, {
        devTokens,
        testTokens,
        gridPoints,
        guardTolerance,
        window: { lo, hi },
        windows,
        ...(testWindows !== undefined ? { testWindows } : {}),
        shortContextTokens: shortContext,
        reportContexts: testContexts,
      }),
      sweeps,
      noise,
      widen,
      openEngine: searchOpener(plan, createNodeEnginePort(model), devTokens),
      onProgress: (m) => {
        if (!m.startsWith('candidate ')) log(m);
      },
      onCandidate: (c) =>
        log(
          `#${c.index} band ${c.bandIndex ?? '-'} g ${c.scale.toFixed(4)}: dev NLL ${c.objective.toFixed(5)}, guard ${c.guard.toFixed(5)}` +
            `${c.vsBaseline ? ` (vs g = 1: ${formatPplChange(c.vsBaseline, noise)})` : ''}${c.accepted ? '' : ` rejected (${c.rejectedReason})`}` +
            `${c.improved ? ' *' : c.withinNoise ? ' tie (within noise)' : ''}`,
        ),
      onWiden: (h, from, to) =>
        log(`${gridEdgeMessage(h, from.lo, from.hi)}; --widen: searching again in [${to.lo.toFixed(4)}, ${to.hi.toFixed(4)}] with ${to.pointCount} points`),
    });
    const writeReport = async () => {
      if (reportPath === undefined || reportSettings === null) return;
      await writeCliReport(COMMAND, reportPath, {
        settings: reportSettings,
        model: await cliReportModel(modelArg, model),
        device: nodeEngineReport().device,
        pressure: pressureChartData(spec.rope, reportSettings),
        perplexity: null,
        search: reportSearchOf(result, {
          variant,
          bands: bands.map(({ bandIndex, firstPair, lastPair, label }) => ({ bandIndex, firstPair, lastPair, label })),
          contextTokens: context,
          shortContextTokens: shortContext,
        }),
        diagnostics: null,
      });
    };
    const json = searchJson(result, { model: model.name, modelIdentity: model.identity, settings, bands });
    const chosen = result.chosenScales;
    if (result.noOpReason) {
      log(`no search: ${result.noOpReason}`);
      if (outDir !== undefined) log(`--out: nothing written, the scales are all 1`);
      await writeReport();
      emit(
        { ...json, out: null, seconds: (performance.now() - started) / 1000 },
        `${model.name}: ${variant} scales [${chosen.map((g) => g.toFixed(4)).join(', ')}] over ${bands.length} bands — no search: ${result.noOpReason}\n`,
      );
      return;
    }
    const edgeMessage = json.edge?.message ?? null;
    if (edgeMessage) log(`edge: ${edgeMessage}${result.firstPass || widen ? '' : ' (rerun with --widen to search one step further)'}`);
    const penalty = result.penalty!;
    let out: { safetensors: string; scales: string } | null = null;
    if (outDir !== undefined) {
      out = await writePatched(
        outDir,
        model,
        { variant, bands, scales: chosen },
        {
          format: QROAR_SCALES_FORMAT,
          version: QROAR_SCALES_VERSION,
          variant,
          rotaryDim: rope.rotaryDim,
          pairLayout: spec.pairLayout,
          bands: customBandSpec(bands),
          bandSource: bandsRaw,
          scales: chosen,
          model: { name: model.name, hashes: { [MODEL_IDENTITY_SCHEME]: model.identity } },
          settings: { ...settings, ...scalesOutcomeSettings({ noise, noOpReason: null, edgeHits: result.edgeHits, penalty }) },
        },
      );
      log(`wrote ${out.safetensors} and ${out.scales}`);
    }
    await writeReport();
    const report = { ...json, out, seconds: (performance.now() - started) / 1000 };
    const dev = report.dev!;
    const test = report.test!;
    const atLong = penalty[penalty.length - 1];
    const unchanged = chosen.every((g) => g === 1);
    const notSpecific = notSpecificSentence(penalty.map((p) => ({ contextTokens: p.contextTokens, shares: p.shares ?? controlShares(p.nll) })));
    emit(
      report,
      `${report.model}: ${variant} scales [${chosen.map((g) => g.toFixed(4)).join(', ')}] over ${bands.length} bands, ${result.candidates.length} candidates` +
        `${unchanged ? ' — no candidate beat g = 1 beyond noise' : ''}\n` +
        `dev  NLL ${dev.before.nll.toFixed(5)} → ${dev.after.nll.toFixed(5)} (PPL ${formatPplChange(dev.change, noise)}, ${windows} windows)\n` +
        `test NLL ${test.before.nll.toFixed(5)} → ${test.after.nll.toFixed(5)} (PPL ${formatPplChange(atLong.ptqChange, noise)}, ${atLong.windows} windows of ${atLong.contextTokens})\n` +
        penalty.map((p) => `${penaltyLine(p, noise)}\n`).join('') +
        (notSpecific ? `${notSpecific}\n` : '') +
        `short-context NLL ${report.shortContext!.before.nll.toFixed(5)} → ${report.shortContext!.after.nll.toFixed(5)} (${report.shortContext!.withinGuard ? 'within' : 'outside'} guard, ${guardWindows} windows of ${shortContext})\n` +
        (edgeMessage ? `edge: ${edgeMessage}${result.firstPass ? ' (after one --widen step)' : '; --widen searches one step further'}\n` : ''),
    );
  } finally {
    await model.close();
  }
}

/** lib/scenario/searchExport's patched tensors (scaled q_proj/k_proj, or q/k norms on qk-norm models) and the scales JSON. */
async function writePatched(
  dir: string,
  model: Awaited<ReturnType<typeof openScenarioModel>>,
  qroar: Parameters<typeof qroarFactors>[1],
  scalesFile: Parameters<typeof formatQroarScalesJson>[0],
): Promise<{ safetensors: string; scales: string }> {
  const tensors = await patchedQkTensors(model.spec, (name) => model.tensorF32(name), qroar);
  try {
    await mkdir(dir, { recursive: true });
    const safetensors = join(dir, 'qroar-patched.safetensors');
    const scales = join(dir, 'qroar-scales.json');
    await writeFile(safetensors, writeSafetensorsF32(tensors, { format: 'pt', producer: 'bandscope search', variant: qroar.variant }));
    await writeFile(scales, formatQroarScalesJson(scalesFile));
    return { safetensors, scales };
  } catch (err) {
    throw new UsageError(`${COMMAND}: cannot write --out '${dir}': ${(err as { code?: string }).code ?? String(err)}`);
  }
}
