/**
 * `bandscope search --model <builtin | hf-folder | file.gguf> --dev <file> --test <file> [flags] [--json]`
 * The Q-ROAR per-band W_Q/W_K scale search (SPEC §5) with the real objective; see HELP below.
 * --json prints one object {model, modelIdentity, settings, bands, candidates, chosen, dev, test,
 * shortContext, out, seconds}; progress lines always go to stderr.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { tailInflationRatio } from '../../lib/diagnostics/tir';
import { writeSafetensorsF32 } from '../../lib/export/safetensorsWriter';
import { customBandSpec, formatQroarScalesJson, QROAR_SCALES_FORMAT, QROAR_SCALES_VERSION } from '../../lib/export/scalesJson';
import { bandVisitOrder, logSpacedGrid } from '../../lib/qroar/grid';
import { gridEdgeMessage, WIDEN_DEFINITION, type SearchWindow } from '../../lib/qroar/gridEdge';
import { objectiveInvariantReason } from '../../lib/qroar/invariance';
import { FLOAT_TOLERANCE_NATS, NOISE_SIGMAS, pairedDifference, type NoiseSettings } from '../../lib/qroar/noise';
import { formatPplChange, noiseDefinition, PENALTY_DEFINITION, penaltyLine } from '../../lib/qroar/outcomeText';
import { CONTROL_SHARE_DEFINITION, controlShares, notSpecificSentence } from '../../lib/qroar/controlShare';
import { runBandSearch, type CandidateRecord, type SearchResult } from '../../lib/qroar/search';
import { searchWithWidening } from '../../lib/qroar/widenSearch';
import { QROAR_VARIANTS, type QroarVariant } from '../../lib/qroar/transform';
import { formatRtnSpec } from '../../lib/quant/rtnSpec';
import { scalesOutcomeSettings } from '../../lib/run/searchExport';
import { analyticPressure, bandMeans } from '../../lib/rope/pressure';
import { booleanFlag, ENGINE_FLAGS, engineFlags, MEMORY_BUDGET_FLAG, memoryBudgetFlag, parseFlags, stringFlag, TRAINED_WINDOW_FLAG, trainedWindowFlag } from '../args';
import { checkRunBudget } from '../scenario/budget';
import { weightPrecisionOf } from '../../lib/model/budgetCheck';
import { UsageError } from '../errors';
import { configureNodeEngines } from '../engine/nodeRunner';
import { intFlag, numberFlag, parseBandsChoice, parseKvChoice, parseQuantChoice, parseRopeChoice, resolveRunLengths } from '../scenario/flags';
import { openScenarioModel, requireWindow } from '../scenario/model';
import { measureTestPenalty } from '../scenario/penalty';
import { qroarFactors, runTappedWindow, scenarioWeights, tapOf, windowedNll } from '../scenario/runs';
import { patchedQkTensors } from '../../lib/run/searchExport';

const COMMAND = 'search';

const HELP = `usage: bandscope search --model <builtin|hf-folder|file.gguf> --dev <file> --test <file>
  [--context N]          long context L′ (default s × trained window L)
  [--short-context N]    guard context, ≤ L (default L)
  [--rope yarn:4 …]      PI over the trained window (none|linear|ntk|dynamic|yarn|llama3:S)
  [--quant rtn:w4g32a]   RTN of every decoder linear, applied AFTER the scales (default rtn:w4g32a)
  [--kv int8:token:post] per-token KV-cache fake quant (default none)
  [--bands equal-log:4|yarn|custom:0-7,…]
  [--variant shared|symmetric|query-only]   (default shared)
  [--grid 9] [--window 0.8,1.25] [--sweeps 1] [--guard 0.005]
  [--windows N]          dev windows at L′ per candidate (default 4, ≥ 2 for the noise test);
                         the guard uses N·⌊L′/short⌋ short windows
  [--test-windows N]     held-out windows at each reported context (default: all of the test text)
  [--noise 2]            a candidate must beat the incumbent by more than this many standard errors
  [--widen]              when a chosen scale lies on the window edge, search once more with the
                         window widened one step: ${WIDEN_DEFINITION}
  [--out DIR]            write DIR/qroar-patched.safetensors and DIR/qroar-scales.json
  [--memory-budget 6G]   refuse (exit 2) when the run's peak memory exceeds it (default 75% of RAM)
  [--threads N]          onnxruntime-node intra-op threads (default all cores)
  [--device cpu|webgpu|auto]  execution provider (default cpu; webgpu refused without an adapter, auto falls back)
  [--json]

Objective: mean NLL of the dev windows at L′ with the candidate scales applied to W_Q/W_K
(scale first, then quantize). Guard: dev NLL at the short context may not rise more than --guard
(relative). Bands are visited by descending analytic IP, ties by k post-RoPE TIR.
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
    model: { type: 'string' }, dev: { type: 'string' }, test: { type: 'string' },
    context: { type: 'string' }, 'short-context': { type: 'string' }, rope: { type: 'string' },
    quant: { type: 'string' }, kv: { type: 'string' }, bands: { type: 'string' }, variant: { type: 'string' },
    grid: { type: 'string' }, window: { type: 'string' }, sweeps: { type: 'string' }, guard: { type: 'string' },
    windows: { type: 'string' }, 'test-windows': { type: 'string' }, noise: { type: 'string' }, widen: { type: 'boolean' },
    out: { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' },
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
  const gridPoints = intFlag(COMMAND, 'grid', stringFlag(COMMAND, flags, 'grid'), 9, 2);
  const windowRaw = stringFlag(COMMAND, flags, 'window') ?? '0.8,1.25';
  const windowParts = windowRaw.split(',').map((s) => (s.trim() === '' ? NaN : Number(s)));
  const [lo, hi] = windowParts;
  if (windowParts.length !== 2 || !(lo > 0 && lo <= 1 && hi >= 1 && Number.isFinite(hi)) || lo === hi) {
    throw new UsageError(`${COMMAND}: --window must be 'lo,hi' with 0 < lo ≤ 1 ≤ hi (not both 1), got '${windowRaw}'`);
  }
  const sweeps = intFlag(COMMAND, 'sweeps', stringFlag(COMMAND, flags, 'sweeps'), 1);
  const guardTolerance = numberFlag(COMMAND, 'guard', stringFlag(COMMAND, flags, 'guard'), 0.005);
  const windows = intFlag(COMMAND, 'windows', stringFlag(COMMAND, flags, 'windows'), 4, 2);
  const testWindowsRaw = stringFlag(COMMAND, flags, 'test-windows');
  const testWindows = testWindowsRaw === undefined ? undefined : intFlag(COMMAND, 'test-windows', testWindowsRaw, 1);
  const noise: NoiseSettings = { sigmas: numberFlag(COMMAND, 'noise', stringFlag(COMMAND, flags, 'noise'), NOISE_SIGMAS), floatToleranceNats: FLOAT_TOLERANCE_NATS };
  const widen = booleanFlag(flags, 'widen');
  const outDir = stringFlag(COMMAND, flags, 'out');
  const log = (msg: string) => process.stderr.write(`${COMMAND}: ${msg}\n`);

  const memory = memoryBudgetFlag(COMMAND, flags);
  // --device is resolved (a one-node probe) before the model is opened: 'webgpu' without an adapter is refused here.
  const engineSettings = engineFlags(COMMAND, flags);
  const engine = await configureNodeEngines(engineSettings);
  // Said when asked for (the default cpu run keeps stderr to its progress lines).
  if (engineSettings.device !== 'cpu' || engineSettings.threads !== undefined) process.stderr.write(`${COMMAND}: engines on ${engine.device}, ${engine.threads} threads${engine.note ? ` (${engine.note})` : ''}\n`);
  const model = await openScenarioModel(modelArg, { trainedWindowTokens: trainedWindowFlag(COMMAND, flags) });
  try {
    const { spec } = model;
    const { rope, trainedWindow, context, shortContext } = resolveRunLengths(
      COMMAND,
      { context: stringFlag(COMMAND, flags, 'context'), shortContext: stringFlag(COMMAND, flags, 'short-context') },
      spec.rope,
      choice,
      'the guard runs at ≤ L',
    );
    const bands = parseBandsChoice(COMMAND, bandsRaw, rope);
    // Refuse before any tensor is read: the all-layer tapped run at L′ (float32 sources kept, candidates beside them).
    checkRunBudget(COMMAND, memory, spec, { weights: weightPrecisionOf(rtn), kvQuant: kvQuant !== undefined, tapLayerCount: spec.numLayers, sourceTensors: 'kept' }, context);
    const devTokens = await model.readTokens(COMMAND, 'dev', devPath);
    const testTokens = await model.readTokens(COMMAND, 'test', testPath);
    requireWindow(COMMAND, 'dev', devTokens, context);
    requireWindow(COMMAND, 'test', testTokens, context);
    const guardWindows = windows * Math.max(1, Math.floor(context / shortContext));
    const testContexts = [...new Set([shortContext, context])].sort((a, b) => a - b);
    const settings = {
      dev: devPath, test: testPath, trainedWindow, context, shortContext, rope: choice.label,
      quant: rtn ? formatRtnSpec(rtn) : 'none', kv: kvRaw, bands: bandsRaw, variant,
      grid: Array.from(logSpacedGrid(gridPoints, lo, hi)), window: [lo, hi], sweeps, guard: guardTolerance,
      windows, guardWindows, testWindows: testWindows ?? 'all', testContexts, noise, widen,
      objective: 'mean dev NLL at context (nats/token)', guardMetric: 'mean dev NLL at shortContext',
    };
    const bandsOut = (ip: ArrayLike<number> | null, tir: ArrayLike<number> | null) =>
      bands.map((b, k) => ({ bandIndex: b.bandIndex, pairs: [b.firstPair, b.lastPair], label: b.label, ipAnalytic: ip ? ip[k] : null, tirKPost: tir ? tir[k] : null }));
    const emit = (report: Record<string, unknown>, human: string) => {
      if (booleanFlag(flags, 'json')) process.stdout.write(`${JSON.stringify(report)}\n`);
      else process.stdout.write(human);
    };

    // A variant that cannot move the objective is reported before any forward pass (lib/qroar/invariance).
    const noOp = objectiveInvariantReason(variant, { weightsRowLocal: true, keysQuantized: kvQuant !== undefined && kvQuant.target !== 'v' });
    if (noOp) {
      const chosen = bands.map(() => 1);
      log(`no search: ${noOp}`);
      if (outDir !== undefined) log(`--out: nothing written, the scales are all 1`);
      emit(
        {
          model: model.name, modelIdentity: model.identity, settings, bands: bandsOut(null, null), bandOrder: [], candidates: [], noOp,
          chosen: { scales: chosen, variant }, dev: null, test: null, control: null, penalty: null, shortContext: null, edge: null, firstPass: null,
          out: null, seconds: (performance.now() - started) / 1000,
        },
        `${model.name}: ${variant} scales [${chosen.map((g) => g.toFixed(4)).join(', ')}] over ${bands.length} bands — no search: ${noOp}\n`,
      );
      return;
    }

    // Band order: analytic IP at L′, ties by TIR of post-RoPE keys (full precision, dev text, mean over layers).
    const ip = bandMeans(analyticPressure(rope, context).ipTurns, bands);
    log(`band order: full-precision taps at ${context} and ${shortContext} tokens`);
    const allLayers = Array.from({ length: spec.numLayers }, (_, l) => l);
    const fpWeights = await scenarioWeights(model, {});
    const longFp = await runTappedWindow(spec, fpWeights, rope, devTokens.subarray(0, context), { tapLayers: allLayers });
    const shortFp = await runTappedWindow(spec, fpWeights, rope, devTokens.subarray(0, shortContext), { tapLayers: allLayers });
    const tir = new Float64Array(bands.length);
    for (const l of allLayers) {
      const r = tailInflationRatio({
        longRun: tapOf(longFp, `k_post_${l}`), longTokens: context, shortRun: tapOf(shortFp, `k_post_${l}`), shortTokens: shortContext,
        heads: spec.numKvHeads, headDim: spec.headDim, rotaryDim: rope.rotaryDim, layout: 'half-split', bands,
      });
      for (let b = 0; b < bands.length; b++) tir[b] += r.pooled[b] / spec.numLayers;
    }
    const bandOrder = bandVisitOrder(ip, tir);

    const onCandidate = (c: CandidateRecord) =>
      log(
        `#${c.index} band ${c.bandIndex ?? '-'} g ${c.scale.toFixed(4)}: dev NLL ${c.objective.toFixed(5)}, guard ${c.guard.toFixed(5)}` +
          `${c.vsBaseline ? ` (vs g = 1: ${formatPplChange(c.vsBaseline, noise)})` : ''}${c.accepted ? '' : ` rejected (${c.rejectedReason})`}` +
          `${c.improved ? ' *' : c.withinNoise ? ' tie (within noise)' : ''}`,
      );
    const searchPass = (window: SearchWindow): Promise<SearchResult> =>
      runBandSearch({
        bandCount: bands.length,
        bandOrder,
        grid: window,
        sweeps,
        guardTolerance,
        noise,
        onCandidate,
        evaluate: async (scales) => {
          const weights = await scenarioWeights(model, { rtn, qroar: { variant, bands, scales } });
          const long = await windowedNll(spec, weights, rope, devTokens, context, windows, kvQuant);
          const short = await windowedNll(spec, weights, rope, devTokens, shortContext, guardWindows, kvQuant);
          return { objective: long.nll, guard: short.nll, objectivePerWindow: long.perWindowNll };
        },
      });
    const widened = await searchWithWidening(searchPass, { lo, hi, pointCount: gridPoints }, widen, (h, from, to) =>
      log(`${gridEdgeMessage(h, from.lo, from.hi)}; --widen: searching again in [${to.lo.toFixed(4)}, ${to.hi.toFixed(4)}] with ${to.pointCount} points`),
    );
    const { result, window, edgeHits: hits, firstPass } = widened;
    const edgeMessage = gridEdgeMessage(hits, Number(window.lo.toFixed(4)), Number(window.hi.toFixed(4)));
    const edge = { hits, message: edgeMessage, widenTo: widened.widenTo, widened: firstPass !== null };
    if (edgeMessage) log(`edge: ${edgeMessage}${firstPass || widen ? '' : ' (rerun with --widen to search one step further)'}`);
    settings.grid = Array.from(result.grid);
    settings.window = [window.lo, window.hi];

    const baseline = result.baseline!;
    const best = result.best!;
    const chosen = Array.from(result.bestScales);
    const bestRecord = result.candidates.filter((c) => c.improved).at(-1)!;
    const devChange = bestRecord.vsBaseline ?? pairedDifference([0, 0], [0, 0]);
    const penalty = await measureTestPenalty({
      model, rope, tokens: testTokens, contexts: testContexts, testWindows, rtn, kvQuant,
      qroar: { variant, bands }, chosenScales: result.bestScales, noise, log,
    });
    const atLong = penalty[penalty.length - 1];
    const nllPpl = (nll: number) => ({ nll, ppl: Math.exp(nll) });

    let out: { safetensors: string; scales: string } | null = null;
    if (outDir !== undefined) {
      out = await writePatched(outDir, model, { variant, bands, scales: chosen }, {
        format: QROAR_SCALES_FORMAT, version: QROAR_SCALES_VERSION, variant, rotaryDim: rope.rotaryDim, pairLayout: spec.pairLayout,
        bands: customBandSpec(bands), bandSource: bandsRaw, scales: chosen,
        model: { name: model.name, hashes: { 'bandscope-model-v1': model.identity } },
        settings: { ...settings, ...scalesOutcomeSettings({ noise, noOpReason: null, edgeHits: hits, penalty }) },
      });
      log(`wrote ${out.safetensors} and ${out.scales}`);
    }
    const report = {
      model: model.name,
      modelIdentity: model.identity,
      settings,
      bands: bandsOut(ip, tir),
      bandOrder: result.bandOrder,
      noOp: null,
      candidates: result.candidates,
      firstPass,
      chosen: { scales: chosen, variant },
      edge,
      dev: { before: nllPpl(baseline.objective), after: nllPpl(best.objective), windows, change: devChange },
      test: {
        contextTokens: atLong.contextTokens,
        before: { ...nllPpl(atLong.nll.ptqBefore), windows: atLong.windows },
        after: { ...nllPpl(atLong.nll.ptqAfter), windows: atLong.windows },
        change: atLong.ptqChange,
        withinNoise: atLong.withinNoise.ptqChange,
      },
      control: { contextTokens: atLong.contextTokens, before: nllPpl(atLong.nll.fpBefore), after: nllPpl(atLong.nll.fpAfter), change: atLong.fpChange, withinNoise: atLong.withinNoise.fpChange },
      penalty,
      shortContext: { before: nllPpl(baseline.guard), after: nllPpl(best.guard), withinGuard: best.guard <= baseline.guard + guardTolerance * Math.abs(baseline.guard) },
      out,
      seconds: (performance.now() - started) / 1000,
    };
    const unchanged = chosen.every((g) => g === 1);
    const notSpecific = notSpecificSentence(penalty.map((p) => ({ contextTokens: p.contextTokens, shares: p.shares ?? controlShares(p.nll) })));
    emit(
      report,
      `${report.model}: ${variant} scales [${chosen.map((g) => g.toFixed(4)).join(', ')}] over ${bands.length} bands, ${result.candidates.length} candidates` +
        `${unchanged ? ' — no candidate beat g = 1 beyond noise' : ''}\n` +
        `dev  NLL ${report.dev.before.nll.toFixed(5)} → ${report.dev.after.nll.toFixed(5)} (PPL ${formatPplChange(devChange, noise)}, ${windows} windows)\n` +
        `test NLL ${report.test.before.nll.toFixed(5)} → ${report.test.after.nll.toFixed(5)} (PPL ${formatPplChange(atLong.ptqChange, noise)}, ${atLong.windows} windows of ${atLong.contextTokens})\n` +
        penalty.map((p) => `${penaltyLine(p, noise)}\n`).join('') +
        (notSpecific ? `${notSpecific}\n` : '') +
        `short-context NLL ${report.shortContext.before.nll.toFixed(5)} → ${report.shortContext.after.nll.toFixed(5)} (${report.shortContext.withinGuard ? 'within' : 'outside'} guard)\n` +
        (edgeMessage ? `edge: ${edgeMessage}${firstPass ? ' (after one --widen step)' : '; --widen searches one step further'}\n` : ''),
    );
  } finally {
    await model.close();
  }
}

/** lib/run/searchExport's patched tensors (scaled q_proj/k_proj, or q/k norms on qk-norm models) and the scales JSON. */
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
