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
import { bandVisitOrder } from '../../lib/qroar/grid';
import { runBandSearch, type CandidateRecord } from '../../lib/qroar/search';
import { QROAR_VARIANTS, type QroarVariant } from '../../lib/qroar/transform';
import { formatRtnSpec } from '../../lib/quant/rtnSpec';
import { analyticPressure, bandMeans } from '../../lib/rope/pressure';
import { booleanFlag, parseFlags, stringFlag, TRAINED_WINDOW_FLAG, trainedWindowFlag } from '../args';
import { UsageError } from '../errors';
import { intFlag, numberFlag, parseBandsChoice, parseKvChoice, parseQuantChoice, parseRopeChoice, resolveRunLengths } from '../scenario/flags';
import { openScenarioModel, requireWindow } from '../scenario/model';
import { patchedQkTensors } from '../../lib/run/searchExport';
import { qroarFactors, runTappedWindow, scenarioWeights, tapOf, windowedNll } from '../scenario/runs';

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
  [--windows N]          dev/test windows at L′ (default 4); the guard uses N·⌊L′/short⌋ short windows
  [--out DIR]            write DIR/qroar-patched.safetensors and DIR/qroar-scales.json
  [--json]

Objective: mean NLL of the dev windows at L′ with the candidate scales applied to W_Q/W_K
(scale first, then quantize). Guard: dev NLL at the short context may not rise more than --guard
(relative). Bands are visited by descending analytic IP, ties by k post-RoPE TIR. The chosen
scales are then measured once on the held-out --test text.

Variants: shared scales both W_Q and W_K rows of a band by g (band logit × g², a per-band
temperature); query-only scales W_Q only (× g); symmetric scales W_Q by g and W_K by 1/g.
Symmetric is a no-op under row-local RTN without KV-cache quantization: RTN quantizes each row
(group) on its own, so Q(g·w) = g·Q(w) and every logit q·k keeps g·(1/g) = 1 — the searched NLL
cannot move. It only matters when the quantizer couples q and k magnitudes, e.g. --kv.`;

export async function run(argv: string[]): Promise<void> {
  const started = performance.now();
  const flags = parseFlags(COMMAND, argv, {
    ...TRAINED_WINDOW_FLAG,
    model: { type: 'string' }, dev: { type: 'string' }, test: { type: 'string' },
    context: { type: 'string' }, 'short-context': { type: 'string' }, rope: { type: 'string' },
    quant: { type: 'string' }, kv: { type: 'string' }, bands: { type: 'string' }, variant: { type: 'string' },
    grid: { type: 'string' }, window: { type: 'string' }, sweeps: { type: 'string' }, guard: { type: 'string' },
    windows: { type: 'string' }, out: { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' },
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
  const windows = intFlag(COMMAND, 'windows', stringFlag(COMMAND, flags, 'windows'), 4);
  const outDir = stringFlag(COMMAND, flags, 'out');
  const log = (msg: string) => process.stderr.write(`${COMMAND}: ${msg}\n`);

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
    const devTokens = await model.readTokens(COMMAND, 'dev', devPath);
    const testTokens = await model.readTokens(COMMAND, 'test', testPath);
    requireWindow(COMMAND, 'dev', devTokens, context);
    requireWindow(COMMAND, 'test', testTokens, context);
    const guardWindows = windows * Math.max(1, Math.floor(context / shortContext));

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

    const evaluateScales = async (scales: Float64Array, tokens: Int32Array, withGuard: boolean) => {
      const weights = await scenarioWeights(model, { rtn, qroar: { variant, bands, scales } });
      const long = await windowedNll(spec, weights, rope, tokens, context, windows, kvQuant);
      const short = withGuard ? await windowedNll(spec, weights, rope, tokens, shortContext, guardWindows, kvQuant) : undefined;
      return { long, short };
    };
    const onCandidate = (c: CandidateRecord) =>
      log(`#${c.index} band ${c.bandIndex ?? '-'} g ${c.scale.toFixed(4)}: dev NLL ${c.objective.toFixed(5)}, guard ${c.guard.toFixed(5)}${c.accepted ? '' : ` rejected (${c.rejectedReason})`}${c.improved ? ' *' : ''}`);
    const result = await runBandSearch({
      bandCount: bands.length,
      bandOrder,
      grid: { pointCount: gridPoints, lo, hi },
      sweeps,
      guardTolerance,
      onCandidate,
      evaluate: async (scales) => {
        const { long, short } = await evaluateScales(scales, devTokens, true);
        return { objective: long.nll, guard: short!.nll };
      },
    });
    const baseline = result.baseline!;
    const best = result.best!;
    const chosen = Array.from(result.bestScales);
    log(`test text at ${context}: before and after`);
    const ones = new Float64Array(bands.length).fill(1);
    const testBefore = (await evaluateScales(ones, testTokens, false)).long;
    const testAfter = (await evaluateScales(result.bestScales, testTokens, false)).long;
    const nllPpl = (nll: number) => ({ nll, ppl: Math.exp(nll) });

    const settings = {
      dev: devPath, test: testPath, trainedWindow, context, shortContext, rope: choice.label,
      quant: rtn ? formatRtnSpec(rtn) : 'none', kv: kvRaw, bands: bandsRaw, variant,
      grid: Array.from(result.grid), window: [lo, hi], sweeps, guard: guardTolerance,
      windows, guardWindows, objective: 'mean dev NLL at context (nats/token)', guardMetric: 'mean dev NLL at shortContext',
    };
    let out: { safetensors: string; scales: string } | null = null;
    if (outDir !== undefined) {
      out = await writePatched(outDir, model, { variant, bands, scales: chosen }, {
        format: QROAR_SCALES_FORMAT, version: QROAR_SCALES_VERSION, variant, rotaryDim: rope.rotaryDim, pairLayout: spec.pairLayout,
        bands: customBandSpec(bands), bandSource: bandsRaw, scales: chosen,
        model: { name: model.name, hashes: { 'bandscope-model-v1': model.identity } }, settings,
      });
      log(`wrote ${out.safetensors} and ${out.scales}`);
    }
    const report = {
      model: model.name,
      modelIdentity: model.identity,
      settings,
      bands: bands.map((b, k) => ({ bandIndex: b.bandIndex, pairs: [b.firstPair, b.lastPair], label: b.label, ipAnalytic: ip[k], tirKPost: tir[k] })),
      bandOrder: result.bandOrder,
      candidates: result.candidates,
      chosen: { scales: chosen, variant },
      dev: { before: nllPpl(baseline.objective), after: nllPpl(best.objective) },
      test: { before: { ...nllPpl(testBefore.nll), windows: testBefore.windows }, after: { ...nllPpl(testAfter.nll), windows: testAfter.windows } },
      shortContext: { before: nllPpl(baseline.guard), after: nllPpl(best.guard), withinGuard: best.guard <= baseline.guard + guardTolerance * Math.abs(baseline.guard) },
      out,
      seconds: (performance.now() - started) / 1000,
    };
    if (booleanFlag(flags, 'json')) process.stdout.write(`${JSON.stringify(report)}\n`);
    else {
      process.stdout.write(
        `${report.model}: ${variant} scales [${chosen.map((g) => g.toFixed(4)).join(', ')}] over ${bands.length} bands, ${result.candidates.length} candidates\n` +
          `dev  NLL ${report.dev.before.nll.toFixed(5)} → ${report.dev.after.nll.toFixed(5)} (PPL ${report.dev.before.ppl.toFixed(3)} → ${report.dev.after.ppl.toFixed(3)})\n` +
          `test NLL ${report.test.before.nll.toFixed(5)} → ${report.test.after.nll.toFixed(5)} (PPL ${report.test.before.ppl.toFixed(3)} → ${report.test.after.ppl.toFixed(3)})\n` +
          `short-context NLL ${report.shortContext.before.nll.toFixed(5)} → ${report.shortContext.after.nll.toFixed(5)} (${report.shortContext.withinGuard ? 'within' : 'outside'} guard)\n`,
      );
    }
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
