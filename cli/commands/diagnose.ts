/**
 * `bandscope diagnose --model <builtin | hf-folder | file.gguf> --text <file> [--context N] [--short-context N]
 *  [--rope none|yarn:4|…] [--quant none|rtn:w4g32a|…] [--kv none|int8:token:post|…]
 *  [--bands equal-log:4|yarn|custom:…] [--layers all|0,1] [--pairs 4096] [--seed 1]
 *  [--tail 0.999] [--memory-budget 6G] [--threads N] [--device cpu|webgpu|auto] [--json] [--report FILE]`
 *
 * The SPEC §4 diagnostics per band and per layer, from real taps of real runs on
 * onnxruntime-node (CPU), all with the same PI:
 * - analytic IP and phase displacement per band at L′ = --context (lib/rope/pressure);
 * - per layer: activation IP from pre-RoPE q/k of the full-precision long window, and TIR of
 *   q/k pre/post-RoPE (long window at L′ over short window at --short-context ≤ L, the first
 *   tokens of the same text, full precision);
 * - logit error ε = ℓ_quant − ℓ_ref on sampled (m, n) pairs of the long window, quantized run
 *   (weights RTN and/or KV cache — the keys attention actually used) vs the full-precision run,
 *   same PI; binned by distance (octaves) and by query position (16 bins), per band, pooled over
 *   the chosen layers and heads (and per layer as overall RMS). null when nothing is quantized.
 * --kv takes the lib/quant/kvSpec grammar (':hadamard' for the rotated cache); per-channel scales
 * are calibrated on the short window (lib/eval/kvCalibration.ts) before the quantized long run.
 * --memory-budget: refuse (exit 2, one line) a run whose peak memory (lib/model/runBudget.ts) exceeds
 * it, before any tensor is read; default 75% of os.totalmem().
 * Defaults: --context = s × trained window L, --short-context = L. --json prints one object
 * {model, settings, bands, layers, logitError, seconds}; NaN/∞ ratios (a zero tail) print as null.
 * --report FILE writes the dashboard's run report (cli/scenario/report): its diagnostics record from
 * the same taps (TIR, logit error, activation IP; no KL: logits are not captured here).
 */
import { activationPressure } from '../../lib/diagnostics/activationPressure';
import { configureNodeEngines, nodeEngineReport } from '../engine/nodeRunner';
import { createNodeEnginePort } from '../engine/nodePort';
import { graphRopeInputs } from '../../lib/eval/ropeInputs';
import type { NllEngineOutput } from '../../lib/eval/engine';
import type { EngineBuild } from '../../lib/scenario/engineBuild';
import { planScenario } from '../../lib/scenario/plan';
import { computeDiagnostics } from '../../lib/scenario/diagnosticsCompute';
import { diagnosticsFrequencies } from '../../lib/scenario/diagnosticsJob';
import { pressureChartData } from '../../lib/scenario/pressure';
import { cliReportModel, cliReportSettings, cliSettings, writeCliReport, type CliScenario } from '../scenario/report';
import { linearEdges, logitError, octaveEdges, type LogitErrorBin } from '../../lib/diagnostics/logitError';
import { pairSampler } from '../../lib/diagnostics/pairSampler';
import { tailInflationRatio } from '../../lib/diagnostics/tir';
import { ropeFrequencies } from '../../lib/rope/frequencies';
import { analyticPressure, bandMeans } from '../../lib/rope/pressure';
import { formatRtnSpec } from '../../lib/quant/rtnSpec';
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
import { intFlag, numberFlag, parseBandsChoice, parseKvChoice, parseLayerList, parseQuantChoice, parseRopeChoice, resolveRunLengths } from '../scenario/flags';
import { openScenarioModel, requireWindow, scenarioPlanModel } from '../scenario/model';
import { tapOf } from '../scenario/runs';
import { stackLayersAsHeads } from '../../lib/scenario/stackHeads';

const COMMAND = 'diagnose';
const QUERY_BINS = 16;
const TAPS = [
  ['qPre', 'q_pre'],
  ['kPre', 'k_pre'],
  ['qPost', 'q_post'],
  ['kPost', 'k_post'],
] as const;

function binJson(b: LogitErrorBin) {
  return { lo: b.lo, hi: b.hi, count: b.count, rmsByBand: b.rmsByBand, p99ByBand: b.p99ByBand, rmsTotal: b.rmsTotal, p99Total: b.p99Total };
}

export async function run(argv: string[]): Promise<void> {
  const started = performance.now();
  const flags = parseFlags(COMMAND, argv, {
    ...TRAINED_WINDOW_FLAG,
    ...MEMORY_BUDGET_FLAG,
    ...ENGINE_FLAGS,
    model: { type: 'string' },
    text: { type: 'string' },
    context: { type: 'string' },
    'short-context': { type: 'string' },
    rope: { type: 'string' },
    quant: { type: 'string' },
    kv: { type: 'string' },
    bands: { type: 'string' },
    layers: { type: 'string' },
    pairs: { type: 'string' },
    seed: { type: 'string' },
    tail: { type: 'string' },
    json: { type: 'boolean' },
    report: { type: 'string' },
  });
  const modelArg = stringFlag(COMMAND, flags, 'model', true) as string;
  const textPath = stringFlag(COMMAND, flags, 'text', true) as string;
  const choice = parseRopeChoice(COMMAND, stringFlag(COMMAND, flags, 'rope') ?? 'none');
  const quantRaw = stringFlag(COMMAND, flags, 'quant') ?? 'none';
  const rtn = parseQuantChoice(COMMAND, quantRaw);
  const kvRaw = stringFlag(COMMAND, flags, 'kv') ?? 'none';
  const kvQuant = parseKvChoice(COMMAND, kvRaw, { allowChannel: true });
  const bandsRaw = stringFlag(COMMAND, flags, 'bands') ?? 'equal-log:4';
  const pairCount = intFlag(COMMAND, 'pairs', stringFlag(COMMAND, flags, 'pairs'), 4096);
  const seed = intFlag(COMMAND, 'seed', stringFlag(COMMAND, flags, 'seed'), 1, 0);
  const tail = numberFlag(COMMAND, 'tail', stringFlag(COMMAND, flags, 'tail'), 0.999);
  if (!(tail > 0 && tail <= 1)) throw new UsageError(`${COMMAND}: --tail must be in (0, 1], got ${tail}`);
  const reportPath = stringFlag(COMMAND, flags, 'report');
  const trainedWindowOverride = trainedWindowFlag(COMMAND, flags);

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
      'TIR compares against a run at ≤ L',
    );
    const layers = parseLayerList(COMMAND, stringFlag(COMMAND, flags, 'layers') ?? 'all', spec.numLayers);
    // Refuse before any tensor is read: the tapped long run (float32 sources kept, quantized copies beside them).
    checkRunBudget(
      COMMAND,
      memory,
      spec,
      { weights: weightPrecisionOf(rtn), kvQuant: kvQuant !== undefined, tapLayerCount: layers.length, sourceTensors: 'kept' },
      context,
    );
    parseBandsChoice(COMMAND, bandsRaw, flagRope); // a bad --bands is a usage error before planning
    // Flags → settings (the dashboard's record; lib/settings) → the plan: PI rope, bands and the typed builds.
    const scenario: CliScenario = {
      modelArg,
      rope: choice,
      contextTokens: context,
      rtn,
      kvQuant,
      bands: bandsRaw,
      textPaths: [textPath],
      tirQuantile: tail,
      ...(trainedWindowOverride !== undefined ? { trainedWindowTokens: trainedWindowOverride } : {}),
    };
    const plan = planScenario(cliSettings(scenario), scenarioPlanModel(model));
    const { rope, bands } = plan;
    // --report: refused here, before any run, when the dashboard cannot represent these settings.
    const reportSettings = reportPath === undefined ? null : cliReportSettings(COMMAND, scenario);
    const tokens = await model.readTokens(COMMAND, 'text', textPath);
    requireWindow(COMMAND, 'text', tokens, context);
    const { numHeads, numKvHeads, headDim } = spec;
    const rotaryDim = rope.rotaryDim;
    const tapGeometry = { headDim, rotaryDim, layout: 'half-split' as const }; // graph taps are always half-split

    // Analytic pressure at L′ = context.
    const pressure = analyticPressure(rope, context);
    const ipAnalytic = bandMeans(pressure.ipTurns, bands);
    const displacement = bandMeans(pressure.displacementTurns, bands);

    // Real runs on the Node engine port: full precision long + short (TIR, activation IP, logit
    // reference), quantized long — each one window of the first tokens, every chosen layer tapped.
    const log = (msg: string) => process.stderr.write(`${COMMAND}: ${msg}\n`);
    const port = createNodeEnginePort(model);
    const runWindow = async (build: EngineBuild): Promise<NllEngineOutput> => {
      // Per-channel KV scales: calibrated on the short window (the first shortContext tokens).
      const engine = await port.open(build, { wantTaps: true, kvCalibration: { tokens, rope, calibrationTokens: shortContext } });
      try {
        const { cos, sin } = graphRopeInputs(rope, build.seqLen);
        return await engine.run({ ids: tokens.subarray(0, build.seqLen), cos, sin });
      } finally {
        await engine.dispose();
      }
    };
    log(`full-precision run at ${context} tokens`);
    const longFp = await runWindow({ seqLen: context, tapLayers: layers });
    log(`full-precision run at ${shortContext} tokens`);
    const shortFp = await runWindow({ seqLen: shortContext, tapLayers: layers });
    let longQ: NllEngineOutput | undefined;
    if (plan.quant) {
      log(`quantized run at ${context} tokens`);
      if (kvQuant?.granularity === 'channel') log(`per-channel KV scales calibrated on the first ${shortContext} tokens (the short window)`);
      longQ = await runWindow({ seqLen: context, quant: plan.quant.quant, kv: plan.quant.kv, tapLayers: layers });
    }

    const pairs = pairSampler(context, pairCount, seed);
    const original = ropeFrequencies(spec.rope, { sequenceLengthTokens: context });
    const interpolated = ropeFrequencies(rope, { sequenceLengthTokens: context });
    // With a quantized K cache, attention reads k_kv (quantized post-RoPE keys); else k_post.
    const quantKeyTap = kvQuant && kvQuant.target !== 'v' ? 'k_kv' : 'k_post';

    const layerReports = layers.map((layer) => {
      const ip = activationPressure({
        q: tapOf(longFp, `q_pre_${layer}`),
        k: tapOf(longFp, `k_pre_${layer}`),
        tokens: context,
        heads: numHeads,
        kvHeads: numKvHeads,
        ...tapGeometry,
        bands,
        invFreqOriginalRadPerToken: original.invFreqRadPerToken,
        invFreqInterpolatedRadPerToken: interpolated.invFreqRadPerToken,
        attentionFactorOriginal: original.attentionFactor,
        attentionFactorInterpolated: interpolated.attentionFactor,
        pairs,
      });
      const tir = Object.fromEntries(
        TAPS.map(([key, tap]) => {
          const heads = tap.startsWith('q') ? numHeads : numKvHeads;
          const r = tailInflationRatio({
            longRun: tapOf(longFp, `${tap}_${layer}`),
            longTokens: context,
            shortRun: tapOf(shortFp, `${tap}_${layer}`),
            shortTokens: shortContext,
            heads,
            ...tapGeometry,
            bands,
            level: tail,
          });
          return [key, r.pooled];
        }),
      ) as Record<(typeof TAPS)[number][0], Float64Array>;
      let logitErrorRmsByBand: number[] | null = null;
      if (longQ) {
        const e = logitError({
          refQ: tapOf(longFp, `q_post_${layer}`),
          refK: tapOf(longFp, `k_post_${layer}`),
          quantQ: tapOf(longQ, `q_post_${layer}`),
          quantK: tapOf(longQ, `${quantKeyTap}_${layer}`),
          tokens: context,
          heads: numHeads,
          kvHeads: numKvHeads,
          ...tapGeometry,
          bands,
          pairs,
          distanceBinEdges: [1, context],
          queryBinEdges: [0, context],
        });
        logitErrorRmsByBand = e.overall.rmsByBand;
      }
      return {
        layer,
        bands: bands.map((b, k) => ({
          bandIndex: b.bandIndex,
          ipActivation: ip.pooled[k],
          tir: { qPre: tir.qPre[k], kPre: tir.kPre[k], qPost: tir.qPost[k], kPost: tir.kPost[k] },
        })),
        logitErrorRmsByBand,
      };
    });

    let logitErrorReport: Record<string, unknown> | null = null;
    if (longQ) {
      const stack = (out: typeof longFp, tap: string, heads: number) =>
        stackLayersAsHeads(
          layers.map((l) => tapOf(out, `${tap}_${l}`)),
          context,
          heads,
          headDim,
        );
      const e = logitError({
        refQ: stack(longFp, 'q_post', numHeads),
        refK: stack(longFp, 'k_post', numKvHeads),
        quantQ: stack(longQ, 'q_post', numHeads),
        quantK: stack(longQ, quantKeyTap, numKvHeads),
        tokens: context,
        heads: numHeads * layers.length,
        kvHeads: numKvHeads * layers.length,
        ...tapGeometry,
        bands,
        pairs,
        distanceBinEdges: octaveEdges(context - 1),
        queryBinEdges: linearEdges(context, QUERY_BINS),
      });
      logitErrorReport = {
        reference: 'full precision, same PI',
        quantizedKeys: quantKeyTap,
        pooledOver: 'sampled pairs × heads × chosen layers',
        tailLevel: e.tailLevel,
        overall: binJson(e.overall),
        distanceBins: e.distanceBins.map(binJson),
        queryBins: e.queryBins.map(binJson),
      };
    }

    const report = {
      model: model.name,
      modelIdentity: model.identity,
      settings: {
        text: textPath,
        textTokens: tokens.length,
        trainedWindow,
        context,
        shortContext,
        rope: choice.label,
        quant: rtn ? formatRtnSpec(rtn) : 'none',
        kv: kvRaw,
        bands: bandsRaw,
        layers,
        pairs: pairCount,
        seed,
        tirTail: tail,
        tapLayout: 'half-split',
        runs: 'first tokens of --text: full precision at context and at short-context; quantized at context',
      },
      bands: bands.map((b, k) => ({
        bandIndex: b.bandIndex,
        pairs: [b.firstPair, b.lastPair],
        label: b.label,
        ipAnalytic: ipAnalytic[k],
        displacementTurns: displacement[k],
      })),
      layers: layerReports.map((l) => ({ ...l, bands: l.bands })),
      logitError: logitErrorReport,
      seconds: (performance.now() - started) / 1000,
    };
    if (reportPath !== undefined && reportSettings !== null) {
      // The dashboard's diagnostics record (lib/scenario/diagnosticsCompute) from these very taps: the same
      // functions, pairs and bins as the figures above. No logits were captured, so no KL.
      const diagnostics = computeDiagnostics({
        geometry: {
          heads: numHeads,
          kvHeads: numKvHeads,
          headDim,
          rotaryDim,
          layout: 'half-split',
          layers,
          bands: bands.map(({ bandIndex, firstPair, lastPair, label }) => ({ bandIndex, firstPair, lastPair, label })),
          trainedWindowTokens: trainedWindow,
        },
        longTokens: context,
        shortTokens: shortContext,
        longFp: longFp.taps ?? {},
        shortFp: shortFp.taps ?? {},
        longQuant: longQ?.taps ?? null,
        tirQuantile: tail,
        pairCount,
        seed,
        quantKeyTap,
        frequencies: diagnosticsFrequencies(spec.rope, rope, context),
      });
      await writeCliReport(COMMAND, reportPath, {
        settings: reportSettings,
        model: await cliReportModel(modelArg, model),
        device: nodeEngineReport().device,
        pressure: pressureChartData(spec.rope, reportSettings),
        perplexity: null,
        search: null,
        diagnostics,
      });
    }
    if (booleanFlag(flags, 'json')) {
      process.stdout.write(`${JSON.stringify(report)}\n`);
      return;
    }
    const f = (x: number) => (Number.isFinite(x) ? x.toPrecision(4) : String(x));
    const lines = [`${report.model}: rope ${choice.label}, quant ${report.settings.quant}, kv ${kvRaw}, L′ ${context}, short ${shortContext}`];
    lines.push('band  pairs     IP(analytic)  D(turns)');
    for (const b of report.bands)
      lines.push(
        `${String(b.bandIndex).padEnd(5)} ${`${b.pairs[0]}-${b.pairs[1]}`.padEnd(9)} ${f(b.ipAnalytic).padStart(12)}  ${f(b.displacementTurns).padStart(8)}`,
      );
    lines.push('layer band  IP(act)   TIR qPre  kPre  qPost  kPost   logit-err RMS');
    for (const l of layerReports) {
      for (const b of l.bands) {
        const rmsText = l.logitErrorRmsByBand ? f(l.logitErrorRmsByBand[b.bandIndex]) : '-';
        lines.push(
          `${String(l.layer).padEnd(5)} ${String(b.bandIndex).padEnd(5)} ${f(b.ipActivation).padStart(8)}   ${[b.tir.qPre, b.tir.kPre, b.tir.qPost, b.tir.kPost].map(f).join(' ')}   ${rmsText}`,
        );
      }
    }
    process.stdout.write(`${lines.join('\n')}\n`);
  } finally {
    await model.close();
  }
}
