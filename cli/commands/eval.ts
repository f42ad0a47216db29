/**
 * `bandscope eval --model <builtin | hf-folder | file.gguf> --text <file> --contexts 256,1024 [--windows N]
 *  [--rope none|linear:S|ntk:S|dynamic:S|yarn:S|llama3:S] [--quant none|rtn:w4g32a|…]
 *  [--quant-format fake|nbits] [--kv int8:token:post|…] [--kv-calibration S] [--qroar scales.json] [--trained-window N]
 *  [--score bandscope|llama-perplexity] [--memory-budget 6G] [--engine whole|layered|auto] [--layer-group N] [--threads N] [--device cpu|webgpu|auto] [--json]`
 *
 * Flags → dashboard Settings (cli/scenario/report cliSettings, the URL's codec) → lib/scenario
 * planScenario (with the pinned contexts, window count, KV calibration context, weight format and
 * --qroar file: PlanOverrides) → the dashboard's perplexity-curve job (lib/scenario/curveRun
 * runCurve) on the Node engine port (cli/engine/nodePort, whole graph or layer-streamed as
 * cli/scenario/budget planRunEngine decides) → print. The same (method, variant, contexts, windows)
 * give the same numbers through runCurve on the browser port.
 * Windows: `--windows N` windows of the longest context (default every whole window of the text);
 * a shorter context is scored on the C-prefixes of those windows (docs/science.md "Perplexity
 * against context"). PI factor S is over the model's own trained window.
 * Quant applies to every decoder linear (q,k,v,o,gate,up,down), never embeddings or lm_head;
 * 'fake' runs dequantized float32 weights, 'nbits' runs com.microsoft.MatMulNBits; with --quant none,
 * 'nbits' runs a GGUF's own Q4_0/Q8_0 linears as MatMulNBits (lib/model/storedLinear).
 * --json prints one object: {device, engine, model, settings, contexts: [{context, windows, tokens,
 * predictions, nll, ppl, seconds, tokensPerSecond, kvClipped?, kvClippedShare?}]}; a context scored
 * on prefixes reports the seconds of the run it was read from.
 * --kv: KV-cache fake quant in the graph (lib/quant/kvSpec grammar). Per-channel scales are
 * calibrated first (lib/eval/kvCalibration.ts KV_CALIBRATION_DEFINITION, S = --kv-calibration,
 * default and at most the trained window L); the report counts the elements that saturated beyond
 * them (contexts[].kvClipped, kvClippedShare).
 * --score llama-perplexity: llama.cpp `llama-perplexity`'s rule (lib/eval/scoring.ts).
 * --qroar: band scales (lib/export/scalesJson.ts file) applied to W_Q/W_K before quantization.
 */
import { checkKvCalibrationTokens, KV_CALIBRATION_DEFINITION } from '../../lib/eval/kvCalibration';
import { describeScoring, parseScoreMode, type ScoreMode } from '../../lib/eval/scoring';
import { weightPrecisionOf } from '../../lib/model/budgetCheck';
import { decoderLinearDtypes } from '../../lib/model/enginePlan';
import { storedLinearBits } from '../../lib/model/storedLinear';
import { describeTrainedWindow } from '../../lib/model/trainedWindow';
import { formatBytes } from '../../lib/format/bytes';
import { runCurve } from '../../lib/scenario/curveRun';
import type { CurveJob } from '../../lib/scenario/curveJobs';
import { planScenario } from '../../lib/scenario/plan';
import { pressureChartData } from '../../lib/scenario/pressure';
import { describeTokenizerSource } from '../../lib/tokenize/describeSource';
import {
  booleanFlag,
  ENGINE_CHOICE_FLAGS,
  ENGINE_FLAGS,
  engineChoiceFlags,
  engineFlags,
  MEMORY_BUDGET_FLAG,
  memoryBudgetFlag,
  parseFlags,
  stringFlag,
  TRAINED_WINDOW_FLAG,
  trainedWindowFlag,
} from '../args';
import { UsageError } from '../errors';
import { createNodeEnginePort } from '../engine/nodePort';
import { configureNodeEngines, nodeEngineDeviceFacts } from '../engine/nodeRunner';
import { loadQroarFile } from '../engine/qroarFile';
import { planRunEngine } from '../scenario/budget';
import { intFlag, parseContextList, parseKvChoice, parseQuantChoice, parseRopeChoice } from '../scenario/flags';
import { openScenarioModel, scenarioPlanModel } from '../scenario/model';
import { cliReportModel, cliReportSettings, cliSettings, evalPerplexity, evalQroarScenario, writeCliReport, type CliScenario } from '../scenario/report';

const COMMAND = 'eval';

const EVAL_HELP = [
  'usage: bandscope eval --model <builtin | hf-folder | file.gguf> --text <file> --contexts 256,1024 [--windows N]',
  '  [--rope none|linear:S|ntk:S|dynamic:S|yarn:S|llama3:S] [--quant none|rtn:w4g32a|…] [--quant-format fake|nbits]',
  '  [--kv <int8|int4>:<token|channel>:<pre|post>[:<k|v|kv>][:hadamard]] [--kv-calibration S] [--qroar scales.json]',
  '  [--trained-window N] [--memory-budget 6G] [--engine whole|layered|auto] [--layer-group N] [--threads N] [--device cpu|webgpu|auto] [--json]',
  '--windows N: windows of the longest context (default: every whole window of the text); a shorter context is',
  "  scored on the first C tokens of those same windows (the dashboard's perplexity curve, computed the same way).",
  '--threads: intra-op threads (default all cores). --device: onnxruntime-node execution provider (default cpu);',
  '  webgpu needs a GPU adapter and is refused without one; auto tries WebGPU and falls back to the CPU, reported.',
  '--memory-budget: refuse (exit 2) a run whose peak memory (lib/model/runBudget.ts) exceeds this; default 75% of RAM.',
  '--engine: whole = every weight in one ONNX graph; layered = the decoder in groups of layers, weights read per group;',
  '  auto (default) = whole when it fits --memory-budget, else layered. --layer-group N: layers per group (layered).',
  "--quant-format nbits: RTN codes run as com.microsoft.MatMulNBits; with --quant none, a GGUF's own Q4_0/Q8_0 linears",
  '  run as MatMulNBits blocks (an exact repack of the file, same numbers as dequantizing; other types are dequantized).',
  "--kv …:hadamard rotates each head's keys and values by the normalized Walsh–Hadamard matrix before quantizing",
  '  (logits unchanged in float; only the quantization error changes); the head dim must be a power of two.',
  `--kv …:channel: ${KV_CALIBRATION_DEFINITION}`,
  '--kv-calibration S: the calibration context S in tokens (2 ≤ S ≤ L; default L).',
  '--report FILE: write the dashboard\'s run report (its perplexity curve; open it there with "Open report").',
].join('\n');

/** Clipped count and its share of the cached elements quantized (layers × tokens × KV heads × headDim × caches). */
function kvClipFields(count: number, tokensFed: number, spec: { numLayers: number; numKvHeads: number; headDim: number }, target: 'k' | 'v' | 'kv') {
  const elements = spec.numLayers * tokensFed * spec.numKvHeads * spec.headDim * (target === 'kv' ? 2 : 1);
  return { kvClipped: count, kvClippedShare: elements > 0 ? count / elements : 0 };
}

function why(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export async function run(argv: string[]): Promise<void> {
  const flags = parseFlags(COMMAND, argv, {
    ...TRAINED_WINDOW_FLAG,
    ...MEMORY_BUDGET_FLAG,
    ...ENGINE_FLAGS,
    ...ENGINE_CHOICE_FLAGS,
    model: { type: 'string' },
    text: { type: 'string' },
    contexts: { type: 'string' },
    windows: { type: 'string' },
    rope: { type: 'string' },
    quant: { type: 'string' },
    'quant-format': { type: 'string' },
    kv: { type: 'string' },
    'kv-calibration': { type: 'string' },
    qroar: { type: 'string' },
    score: { type: 'string' },
    report: { type: 'string' },
    json: { type: 'boolean' },
    help: { type: 'boolean' },
  });
  if (booleanFlag(flags, 'help')) {
    process.stdout.write(`${EVAL_HELP}\n`);
    return;
  }
  const modelArg = stringFlag(COMMAND, flags, 'model', true)!;
  const textPath = stringFlag(COMMAND, flags, 'text', true)!;
  const contexts = parseContextList(COMMAND, stringFlag(COMMAND, flags, 'contexts', true)!);
  const windowsRaw = stringFlag(COMMAND, flags, 'windows');
  const windows = windowsRaw === undefined ? ('all' as const) : intFlag(COMMAND, 'windows', windowsRaw, 1);
  const ropeChoice = parseRopeChoice(COMMAND, stringFlag(COMMAND, flags, 'rope') ?? 'none');
  const quantRaw = stringFlag(COMMAND, flags, 'quant') ?? 'none';
  const rtn = parseQuantChoice(COMMAND, quantRaw);
  const quantFormat = stringFlag(COMMAND, flags, 'quant-format') ?? 'fake';
  if (quantFormat !== 'fake' && quantFormat !== 'nbits') throw new UsageError(`${COMMAND}: --quant-format must be fake or nbits, got '${quantFormat}'`);
  const kvRaw = stringFlag(COMMAND, flags, 'kv') ?? 'none';
  const kvQuant = parseKvChoice(COMMAND, kvRaw, { allowChannel: true });
  const kvCalibrationRaw = stringFlag(COMMAND, flags, 'kv-calibration');
  if (kvCalibrationRaw !== undefined && kvQuant?.granularity !== 'channel')
    throw new UsageError(`${COMMAND}: --kv-calibration applies to a per-channel --kv (e.g. int8:channel:post), got --kv ${kvRaw}`);
  if (kvCalibrationRaw !== undefined && !/^\d+$/.test(kvCalibrationRaw))
    throw new UsageError(`${COMMAND}: --kv-calibration must be a token count, got '${kvCalibrationRaw}'`);
  const qroarPath = stringFlag(COMMAND, flags, 'qroar');
  const reportPath = stringFlag(COMMAND, flags, 'report');
  const trainedWindowTokens = trainedWindowFlag(COMMAND, flags);
  const memory = memoryBudgetFlag(COMMAND, flags);
  const engineSettings = engineFlags(COMMAND, flags);
  const engineChoice = engineChoiceFlags(COMMAND, flags);
  let scoreMode: ScoreMode;
  try {
    scoreMode = parseScoreMode(stringFlag(COMMAND, flags, 'score') ?? 'bandscope');
  } catch (err) {
    throw new UsageError(`${COMMAND}: --score: ${why(err)}`);
  }
  const longest = Math.max(...contexts);

  // --device is resolved (a one-node probe) before the model is opened: 'webgpu' without an adapter is refused here.
  const engine = await configureNodeEngines(engineSettings);
  const model = await openScenarioModel(modelArg, { trainedWindowTokens });
  try {
    const { spec } = model;
    // --quant none --quant-format nbits: a GGUF's own Q4_0/Q8_0 blocks, priced at their MatMulNBits
    // bytes (a Q-ROAR file may scale W_Q/W_K, which dequantizes them: then priced as float32).
    const storedLinears = rtn === undefined && quantFormat === 'nbits' && qroarPath === undefined ? storedLinearBits(model.listing) : null;
    // Refuse before any tensor is read: the longest context is the run's peak.
    const enginePlan = planRunEngine(
      COMMAND,
      memory,
      spec,
      { weights: weightPrecisionOf(rtn, quantFormat), kvQuant: kvQuant !== undefined, ...(storedLinears ? { storedLinears } : {}) },
      longest,
      engineChoice,
      { facts: nodeEngineDeviceFacts(), linearDtypes: decoderLinearDtypes(model.listing) },
    );
    // After the refusal: a model the budget refuses is refused whatever its tokenizer.
    const tokens = await model.readTokens(COMMAND, 'text', textPath);
    const scenario: CliScenario = {
      modelArg,
      rope: ropeChoice,
      contextTokens: longest,
      rtn,
      kvQuant,
      textPaths: [textPath],
      scoreMode,
      ...(trainedWindowTokens !== undefined ? { trainedWindowTokens } : {}),
    };
    const settings = cliSettings(scenario);
    const planModel = scenarioPlanModel(model);
    const qroar = qroarPath === undefined ? undefined : await loadQroarFile(qroarPath, spec, planScenario(settings, planModel).rope);
    // --report: refused here, before any run, when the dashboard cannot represent these settings.
    const reportSettings = reportPath === undefined ? null : cliReportSettings(COMMAND, { ...scenario, ...evalQroarScenario(COMMAND, qroar?.summary) });
    const kvCalibrationTokens =
      kvQuant?.granularity === 'channel' ? (kvCalibrationRaw === undefined ? model.trainedWindow.windowTokens : Number(kvCalibrationRaw)) : null;
    const plan = planScenario(settings, planModel, {
      contexts,
      windows,
      quantFormat,
      ...(kvCalibrationTokens !== null ? { kvCalibrationTokens } : {}),
      ...(qroar ? { qroar: qroar.build } : {}),
    });
    if (plan.blocked !== null) throw new UsageError(`${COMMAND}: --kv '${kvRaw}': ${plan.blocked}`);
    if (tokens.length < longest) throw new UsageError(`${COMMAND}: the text has ${tokens.length} tokens, fewer than one window of ${longest}`);
    if (kvCalibrationTokens !== null) {
      try {
        checkKvCalibrationTokens(kvCalibrationTokens, model.trainedWindow.windowTokens, tokens.length);
      } catch (err) {
        throw new UsageError(`${COMMAND}: --kv-calibration: ${why(err)}`);
      }
    }
    const quantized = plan.quant !== null;
    const variant = quantized ? (qroar ? 'ptq+qroar' : 'ptq') : qroar ? 'fp+qroar' : 'fp';
    const method = plan.settings.pi.method;
    const job: CurveJob = { key: `${method}/${variant}`, method, variant };

    // The dashboard's curve job on the Node engine port (whole graph or layer-streamed, as planned).
    // Transient sources: one weight set, as planRunEngine priced the run (the old eval read the files the same way).
    const port = createNodeEnginePort(model, { engine: enginePlan, sourceTensors: 'transient' });
    const result = await runCurve(plan, job, port, tokens, () => {}, undefined, { kvClipCounts: true, diagnosticsOutputs: false });
    const device = port.lastDevice() ?? engine.device;
    const report = {
      device,
      engine: {
        kind: enginePlan.engine,
        layerGroupSize: enginePlan.layerGroupSize,
        layerCacheBytes: enginePlan.layerCacheBytes,
        peakBytesEstimate: enginePlan.budget.peakBytes,
        weightStorage: enginePlan.weightStorage,
        nbitsFeed: enginePlan.nbitsFeed,
      },
      deviceRequested: engine.requested,
      threads: engine.threads,
      ...(engine.note !== undefined ? { deviceNote: engine.note } : {}),
      model: model.name,
      modelIdentity: model.identity,
      trainedWindow: model.trainedWindow,
      settings: {
        text: textPath,
        textTokens: tokens.length,
        tokenizer: describeTokenizerSource(model.tokenizer),
        rope: ropeChoice.label,
        quant: quantRaw,
        quantFormat: rtn ? quantFormat : undefined,
        kv: kvRaw,
        kvCalibration: kvCalibrationTokens === null ? null : { tokens: kvCalibrationTokens, definition: KV_CALIBRATION_DEFINITION },
        qroar: qroar?.summary ?? null,
        maxWindows: windows === 'all' ? null : windows,
        score: scoreMode,
        scoring: describeScoring(plan.scoring),
      },
      contexts: result.perContext.map((r, i) => ({
        context: r.context,
        windows: r.windows,
        tokens: r.tokens,
        predictions: r.predictions,
        nll: r.nll,
        ppl: r.ppl,
        seconds: r.seconds,
        tokensPerSecond: r.tokensPerSecond,
        ...(result.kvClipped === null ? {} : kvClipFields(result.kvClipped[i], r.tokens, spec, kvQuant!.target)),
      })),
    };
    if (reportPath !== undefined && reportSettings !== null) {
      await writeCliReport(COMMAND, reportPath, {
        settings: reportSettings,
        model: await cliReportModel(modelArg, model),
        device,
        pressure: pressureChartData(spec.rope, reportSettings),
        perplexity: evalPerplexity(ropeChoice.method, variant, result.perContext, model.trainedWindow.windowTokens),
        search: null,
        diagnostics: null,
      });
    }
    if (booleanFlag(flags, 'json')) process.stdout.write(`${JSON.stringify(report)}\n`);
    else printHuman(report, { threads: engine.threads, note: engine.note, trainedWindow: describeTrainedWindow(model.trainedWindow), enginePlan, kvRaw });
  } finally {
    await model.close();
  }
}

function printHuman(
  report: {
    model: string;
    device: string;
    settings: { rope: string; quant: string; tokenizer: string; textTokens: number; scoring: string; kvCalibration: { tokens: number } | null };
    contexts: Array<{ context: number; windows: number; nll: number; ppl: number; tokensPerSecond: number; kvClippedShare?: number }>;
  },
  o: { threads: number; note?: string; trainedWindow: string; enginePlan: ReturnType<typeof planRunEngine>; kvRaw: string },
): void {
  const plan = o.enginePlan;
  const out = (line: string) => process.stdout.write(`${line}\n`);
  out(`${report.model} on ${report.device} (${o.threads} threads${o.note ? `; ${o.note}` : ''}), rope ${report.settings.rope}, quant ${report.settings.quant}`);
  out(o.trainedWindow);
  out(`tokens: ${report.settings.tokenizer}; ${report.settings.textTokens} tokens in the text`);
  out(report.settings.scoring);
  if (plan.engine === 'layer-streamed')
    out(
      `layer-streamed engine: ${plan.layerGroupSize} layer(s) per group, ${formatBytes(plan.layerCacheBytes)} layer cache${plan.weightStorage === 'float16' ? ', float16 weights (cast to float32 in the graph)' : ''}, estimated peak ${formatBytes(plan.budget.peakBytes)}`,
    );
  if (report.settings.kvCalibration !== null)
    out(`KV ${o.kvRaw}: per-channel scales calibrated on the first ${report.settings.kvCalibration.tokens} tokens of the text`);
  for (const r of report.contexts) {
    const clip = r.kvClippedShare !== undefined ? `, KV clipped ${(100 * r.kvClippedShare).toFixed(3)}%` : '';
    out(`context ${r.context}: ${r.windows} windows, NLL ${r.nll.toFixed(4)} nats, PPL ${r.ppl.toFixed(3)}, ${r.tokensPerSecond.toFixed(0)} tok/s${clip}`);
  }
}
