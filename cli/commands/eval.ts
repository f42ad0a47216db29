/**
 * `bandscope eval --model <builtin | hf-folder | file.gguf> --text <file> --contexts 256,1024 [--windows N]
 *  [--rope none|linear:S|ntk:S|dynamic:S|yarn:S|llama3:S] [--quant none|rtn:w4g32a|…]
 *  [--quant-format fake|nbits] [--kv int8:token:post|…] [--kv-calibration S] [--qroar scales.json] [--trained-window N]
 *  [--score bandscope|llama-perplexity] [--memory-budget 6G] [--engine whole|layered|auto] [--layer-group N] [--threads N] [--device cpu|webgpu|auto] [--json]`
 *
 * Perplexity of the text at each context (lib/eval/perplexity.ts) through the ONNX graph
 * (lib/onnx) on onnxruntime-node's CPU EP. PI factor S is over the model's own trained window.
 * Quant applies to every decoder linear (q,k,v,o,gate,up,down), never embeddings or lm_head;
 * 'fake' runs dequantized float32 weights, 'nbits' runs com.microsoft.MatMulNBits; with --quant none,
 * 'nbits' runs a GGUF's own Q4_0/Q8_0 linears as MatMulNBits (lib/model/storedLinear).
 * --json prints one object: {device, model, settings, contexts: [{context, windows, tokens, nll,
 * ppl, seconds, tokensPerSecond}]}.
 * --kv: KV-cache fake quant in the graph (lib/quant/kvSpec grammar, e.g. int8:token:post,
 * int4:channel:post, int4:token:post:hadamard). Per-channel scales are calibrated first by
 * lib/eval/kvCalibration.ts (KV_CALIBRATION_DEFINITION: the first S tokens of --text, S =
 * --kv-calibration, default and at most the trained window L, run once through the same model
 * with a float cache); every context then uses those fixed scales, and the report counts the
 * elements that saturated beyond them (contexts[].kvClipped, kvClippedShare).
 * --score llama-perplexity: llama.cpp `llama-perplexity`'s rule (lib/eval/scoring.ts) — each window's first
 *   token replaced by BOS when the vocabulary adds one, predictions from ⌊C/2⌋ on — to compare with llama.cpp.
 * --qroar: band scales (lib/export/scalesJson.ts file) applied to W_Q/W_K before quantization.
 * Models open through lib/model (`openModelAtPath`): HF folders and GGUF files (GGUF blocks are
 * dequantized to float32; interleaved q/k rows are permuted to half-split in the graph).
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { assembleDecoderWeights } from '../../lib/onnx/assembleWeights';
import { buildLlamaGraph, type GraphKvQuant } from '../../lib/onnx/llamaGraph';
import type { NllEngine } from '../../lib/eval/engine';
import { KV_CALIBRATION_DEFINITION } from '../../lib/eval/kvCalibration';
import { hadamardSizeError } from '../../lib/quant/hadamard';
import { evaluatePerplexity } from '../../lib/eval/perplexity';
import { describeScoring, parseScoreMode, type ScoreMode, type WindowScoring } from '../../lib/eval/scoring';
import { addedBosId, describeTokenizerSource } from '../../lib/tokenize/describeSource';
import { graphRopeInputs } from '../../lib/eval/ropeInputs';
import { parseRtnSpec } from '../../lib/quant/rtnSpec';
import { parseKvSpec, type KvQuantSpec } from '../../lib/quant/kvSpec';
import type { RtnOptions } from '../../lib/quant/rtn';
import { applyInterpolation } from '../../lib/rope/interpolation';
import { describeTrainedWindow } from '../../lib/model/trainedWindow';
import type { RopeType } from '../../lib/rope/types';
import { parseArgs } from 'node:util';
import { openModelAtPath } from '../io/nodeByteSource';
import { tokenStreamOfBytes } from '../../lib/tokenize/stream';
import { configureNodeEngines, createNodeEngine, nodeEngineDeviceFacts } from '../engine/nodeRunner';
import { calibratedGraphKv } from '../scenario/kvCalibration';
import { loadQroarPreQuant } from '../engine/qroarFile';
import { UsageError } from '../errors';
import { engineChoiceFlags, engineFlags, memoryBudgetFlag, trainedWindowFlag } from '../args';
import { planRunEngine } from '../scenario/budget';
import { storedLinearBits, storedNBitsLinear } from '../../lib/model/storedLinear';
import { decoderLinearDtypes } from '../../lib/model/enginePlan';
import { createLayerWeightCache } from '../../workers/engine/layerWeightCache';
import type { FedDecoderLayerWeights } from '../../lib/onnx/weights';
import type { LayeredSessionOptions } from '../../workers/engine/layeredSession';
import { layeredWeightSource } from '../../workers/engine/layeredSource';
import { createLayeredNodeEngine } from '../engine/nodeRunner';
import { weightPrecisionOf } from '../../lib/model/budgetCheck';
import { formatBytes } from '../../lib/format/bytes';
import { pressureChartData } from '../../lib/scenario/pressure';
import { cliReportModel, cliReportSettings, evalPerplexity, evalQroarScenario, writeCliReport } from '../scenario/report';

const COMMAND = 'eval';
const BUILTIN_DIR = join(import.meta.dirname, '..', '..', 'public', 'models', 'bandscope-byte-4m');
const PI_METHODS: readonly RopeType[] = ['linear', 'ntk', 'dynamic', 'yarn', 'llama3'];

export function parseRopeFlag(raw: string): { method: RopeType | 'none'; factor: number } {
  if (raw === 'none') return { method: 'none', factor: 1 };
  const m = /^([a-z0-9]+):([0-9]*\.?[0-9]+)$/.exec(raw);
  if (!m || !PI_METHODS.includes(m[1] as RopeType)) {
    throw new UsageError(`${COMMAND}: --rope '${raw}' is not one of none, ${PI_METHODS.map((x) => `${x}:S`).join(', ')}`);
  }
  const factor = Number(m[2]);
  if (!(factor >= 1)) throw new UsageError(`${COMMAND}: --rope factor must be ≥ 1, got ${m[2]}`);
  return { method: m[1] as RopeType, factor };
}

export function parseContexts(raw: string): number[] {
  const parts = raw.split(',').map((s) => s.trim());
  const out = parts.map((p) => (/^\d+$/.test(p) ? Number(p) : NaN));
  if (out.some((n) => !Number.isSafeInteger(n) || n < 2)) {
    throw new UsageError(`${COMMAND}: --contexts must be comma-separated integers ≥ 2, got '${raw}'`);
  }
  return out;
}

function parseQuant(raw: string): RtnOptions | undefined {
  if (raw === 'none') return undefined;
  try {
    return parseRtnSpec(raw);
  } catch (err) {
    throw new UsageError(`${COMMAND}: --quant: ${err instanceof Error ? err.message : String(err)}`);
  }
}

const EVAL_HELP = [
  'usage: bandscope eval --model <builtin | hf-folder | file.gguf> --text <file> --contexts 256,1024 [--windows N]',
  '  [--rope none|linear:S|ntk:S|dynamic:S|yarn:S|llama3:S] [--quant none|rtn:w4g32a|…] [--quant-format fake|nbits]',
  '  [--kv <int8|int4>:<token|channel>:<pre|post>[:<k|v|kv>][:hadamard]] [--kv-calibration S] [--qroar scales.json]',
  '  [--trained-window N] [--memory-budget 6G] [--engine whole|layered|auto] [--layer-group N] [--threads N] [--device cpu|webgpu|auto] [--json]',
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

export async function run(argv: string[]): Promise<void> {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
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
        json: { type: 'boolean' },
        'trained-window': { type: 'string' },
        help: { type: 'boolean' },
        score: { type: 'string' },
        'memory-budget': { type: 'string' },
        threads: { type: 'string' },
        device: { type: 'string' },
        engine: { type: 'string' },
        'layer-group': { type: 'string' },
        report: { type: 'string' },
      },
    }));
  } catch (err) {
    throw new UsageError(`${COMMAND}: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`);
  }
  if (values.help === true) {
    process.stdout.write(`${EVAL_HELP}\n`);
    return;
  }
  const stringFlag = (name: string, required = false): string | undefined => {
    const v = values[name];
    if (v === undefined && required) throw new UsageError(`${COMMAND}: --${name} is required`);
    return typeof v === 'string' ? v : undefined;
  };
  const modelArg = stringFlag('model', true)!;
  const textPath = stringFlag('text', true)!;
  const contexts = parseContexts(stringFlag('contexts', true)!);
  const windowsRaw = stringFlag('windows');
  const maxWindows = windowsRaw === undefined ? undefined : Number(windowsRaw);
  if (maxWindows !== undefined && !(/^\d+$/.test(windowsRaw!) && maxWindows >= 1)) {
    throw new UsageError(`${COMMAND}: --windows must be a positive integer, got '${windowsRaw}'`);
  }
  const ropeChoice = parseRopeFlag(stringFlag('rope') ?? 'none');
  const quantRaw = stringFlag('quant') ?? 'none';
  const rtn = parseQuant(quantRaw);
  const quantFormat = stringFlag('quant-format') ?? 'fake';
  if (quantFormat !== 'fake' && quantFormat !== 'nbits') throw new UsageError(`${COMMAND}: --quant-format must be fake or nbits, got '${quantFormat}'`);

  const kvRaw = stringFlag('kv') ?? 'none';
  let kvQuant: KvQuantSpec | undefined;
  if (kvRaw !== 'none') {
    try {
      kvQuant = parseKvSpec(kvRaw);
    } catch (err) {
      throw new UsageError(`${COMMAND}: --kv: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  const kvCalibrationRaw = stringFlag('kv-calibration');
  if (kvCalibrationRaw !== undefined && kvQuant?.granularity !== 'channel') {
    throw new UsageError(`${COMMAND}: --kv-calibration applies to a per-channel --kv (e.g. int8:channel:post), got --kv ${kvRaw}`);
  }
  if (kvCalibrationRaw !== undefined && !/^\d+$/.test(kvCalibrationRaw))
    throw new UsageError(`${COMMAND}: --kv-calibration must be a token count, got '${kvCalibrationRaw}'`);
  const qroarPath = stringFlag('qroar');
  const reportPath = stringFlag('report');
  const trainedWindowTokens = trainedWindowFlag(COMMAND, { values, positionals: [] });
  const memory = memoryBudgetFlag(COMMAND, { values, positionals: [] });
  const engineSettings = engineFlags(COMMAND, { values, positionals: [] });
  const engineChoice = engineChoiceFlags(COMMAND, { values, positionals: [] });
  let scoreMode: ScoreMode;
  try {
    scoreMode = parseScoreMode(stringFlag('score') ?? 'bandscope');
  } catch (err) {
    throw new UsageError(`${COMMAND}: --score: ${err instanceof Error ? err.message : String(err)}`);
  }

  const modelPath = modelArg === 'builtin' ? BUILTIN_DIR : modelArg;
  let textBytes: Uint8Array;
  try {
    textBytes = new Uint8Array(await readFile(textPath));
  } catch (err) {
    throw new UsageError(`${COMMAND}: cannot read --text '${textPath}': ${(err as { code?: string }).code ?? 'unreadable'}`);
  }

  // --device is resolved (a one-node probe) before the model is opened: 'webgpu' without an adapter is refused here.
  const engine = await configureNodeEngines(engineSettings);
  const opened = await openModelAtPath(modelPath, { trainedWindowTokens });
  const model = opened.model;
  try {
    const { spec } = model;
    // --quant none --quant-format nbits: a GGUF's own Q4_0/Q8_0 blocks, priced at their MatMulNBits
    // bytes (a Q-ROAR file may scale W_Q/W_K, which dequantizes them: then priced as float32).
    const storedLinears = rtn === undefined && quantFormat === 'nbits' && qroarPath === undefined ? storedLinearBits(model) : null;
    // Refuse before any tensor is read: the longest context is the run's peak.
    const plan = planRunEngine(
      COMMAND,
      memory,
      spec,
      { weights: weightPrecisionOf(rtn, quantFormat), kvQuant: kvQuant !== undefined, ...(storedLinears ? { storedLinears } : {}) },
      Math.max(...contexts),
      engineChoice,
      { facts: nodeEngineDeviceFacts(), linearDtypes: decoderLinearDtypes(model) },
    );
    const layered = plan.engine === 'layer-streamed';
    const tokens = tokenStreamOfBytes(model.tokenizer, spec.vocabSize, textBytes);
    const rope = applyInterpolation(spec.rope, ropeChoice);
    const qroar = qroarPath === undefined ? undefined : await loadQroarPreQuant(qroarPath, spec, rope);
    // --report: refused here, before any run, when the dashboard cannot represent these settings.
    const reportSettings =
      reportPath === undefined
        ? null
        : cliReportSettings(COMMAND, {
            modelArg,
            rope: ropeChoice,
            contextTokens: Math.max(...contexts),
            rtn,
            kvQuant,
            textPaths: [textPath],
            scoreMode,
            ...(trainedWindowTokens !== undefined ? { trainedWindowTokens } : {}),
            ...evalQroarScenario(COMMAND, qroar?.summary),
          });
    // --quant none --quant-format nbits: a GGUF's own Q4_0/Q8_0 blocks run as MatMulNBits (exact repack).
    const stored = rtn === undefined && quantFormat === 'nbits' ? { storedLinear: storedNBitsLinear(model) } : {};
    const assemble = { rtn, quantFormat, ...qroar?.hooks, ...stored } as const;
    // Whole graph: every weight assembled now. Layer-streamed: a layer is read and converted when a
    // group needs it, kept only within the plan's layer cache.
    const weights = layered ? null : await assembleDecoderWeights(spec, (n) => model.tensorF32(n), assemble);
    const source = layered
      ? layeredWeightSource(spec, (n) => model.tensorF32(n), assemble, model.identity, `${quantRaw}|${quantFormat}|${qroarPath ?? ''}`, 'f32', {
          storage: plan.weightStorage,
          nbits: plan.nbitsFeed,
        })
      : null;
    const layerCache = createLayerWeightCache<FedDecoderLayerWeights>(plan.layerCacheBytes);
    const openLayered = (options: Omit<LayeredSessionOptions, 'layerGroupSize'>) =>
      createLayeredNodeEngine(source!, { ...options, layerGroupSize: plan.layerGroupSize }, layerCache);
    let graphKv: GraphKvQuant | undefined = kvQuant;
    let kvCalibrationTokens: number | null = null;
    if (kvQuant?.hadamard) {
      const why = hadamardSizeError(spec.headDim);
      if (why) throw new UsageError(`${COMMAND}: --kv '${kvRaw}': ${why}`);
    }
    if (kvQuant?.granularity === 'channel') {
      const trained = model.trainedWindow.windowTokens;
      kvCalibrationTokens = kvCalibrationRaw === undefined ? trained : Number(kvCalibrationRaw);
      const run = { spec, rope, tokens, calibrationTokens: kvCalibrationTokens, trainedWindowTokens: trained };
      graphKv = await calibratedGraphKv(kvQuant, weights ? { ...run, weights } : { ...run, openEngine: (graph) => openLayered(graph) });
    }
    const clipped = new Map<number, number>();
    let device = engine.device;
    const scoring: WindowScoring = { mode: scoreMode, bosId: addedBosId(model.tokenizer) };
    const results = await evaluatePerplexity({
      tokens,
      scoring,
      contexts,
      maxWindows,
      prepare: async (context) => {
        const graphOptions = { seqLen: context, kvQuant: graphKv, kvClipCount: kvCalibrationTokens !== null };
        const inner = weights ? await createNodeEngine(buildLlamaGraph(spec, weights, graphOptions)) : await openLayered(graphOptions);
        device = inner.device;
        const { cos, sin } = graphRopeInputs(rope, context);
        // Sum the graph's per-run clip count over this context's windows.
        const engine: NllEngine = {
          device: inner.device,
          seqLen: inner.seqLen,
          async run(input) {
            const out = await inner.run(input);
            const n = out.taps?.kv_clipped;
            if (n) clipped.set(context, (clipped.get(context) ?? 0) + n[0]);
            return out;
          },
          dispose: () => inner.dispose(),
        };
        return { engine, cos, sin, release: () => engine.dispose() };
      },
    });
    const report = {
      device,
      engine: {
        kind: plan.engine,
        layerGroupSize: plan.layerGroupSize,
        layerCacheBytes: plan.layerCacheBytes,
        peakBytesEstimate: plan.budget.peakBytes,
        weightStorage: plan.weightStorage,
        nbitsFeed: plan.nbitsFeed,
      },
      deviceRequested: engine.requested,
      threads: engine.threads,
      ...(engine.note !== undefined ? { deviceNote: engine.note } : {}),
      model: modelArg === 'builtin' ? 'builtin:bandscope-byte-4m' : modelArg,
      modelIdentity: model.identity,
      trainedWindow: model.trainedWindow,
      settings: {
        text: textPath,
        textTokens: tokens.length,
        tokenizer: describeTokenizerSource(model.tokenizer),
        rope: ropeChoice.method === 'none' ? 'none' : `${ropeChoice.method}:${ropeChoice.factor}`,
        quant: quantRaw,
        quantFormat: rtn ? quantFormat : undefined,
        kv: kvRaw,
        kvCalibration: kvCalibrationTokens === null ? null : { tokens: kvCalibrationTokens, definition: KV_CALIBRATION_DEFINITION },
        qroar: qroar?.summary ?? null,
        maxWindows: maxWindows ?? null,
        score: scoreMode,
        scoring: describeScoring(scoring),
      },
      contexts: results.map((r) => ({
        context: r.context,
        windows: r.windows,
        tokens: r.tokens,
        predictions: r.predictions,
        nll: r.nll,
        ppl: r.ppl,
        seconds: r.seconds,
        tokensPerSecond: r.tokensPerSecond,
        ...(kvCalibrationTokens === null ? {} : kvClipFields(clipped.get(r.context) ?? 0, r.tokens, spec, kvQuant!.target)),
      })),
    };
    if (reportPath !== undefined && reportSettings !== null) {
      const quantized = rtn !== undefined || kvQuant !== undefined;
      await writeCliReport(COMMAND, reportPath, {
        settings: reportSettings,
        model: await cliReportModel(modelArg, { name: report.model, identity: model.identity, trainedWindow: model.trainedWindow }),
        device,
        pressure: pressureChartData(spec.rope, reportSettings),
        perplexity: evalPerplexity(
          ropeChoice.method,
          quantized ? (qroar ? 'ptq+qroar' : 'ptq') : qroar ? 'fp+qroar' : 'fp',
          results,
          model.trainedWindow.windowTokens,
        ),
        search: null,
        diagnostics: null,
      });
    }
    if (values.json === true) process.stdout.write(`${JSON.stringify(report)}\n`);
    else {
      process.stdout.write(
        `${report.model} on ${device} (${engine.threads} threads${engine.note ? `; ${engine.note}` : ''}), rope ${report.settings.rope}, quant ${quantRaw}\n${describeTrainedWindow(model.trainedWindow)}\ntokens: ${describeTokenizerSource(model.tokenizer)}; ${tokens.length} tokens in the text\n${describeScoring(scoring)}\n`,
      );
      if (layered)
        process.stdout.write(
          `layer-streamed engine: ${plan.layerGroupSize} layer(s) per group, ${formatBytes(plan.layerCacheBytes)} layer cache${plan.weightStorage === 'float16' ? ', float16 weights (cast to float32 in the graph)' : ''}, estimated peak ${formatBytes(plan.budget.peakBytes)}\n`,
        );
      if (kvCalibrationTokens !== null)
        process.stdout.write(`KV ${kvRaw}: per-channel scales calibrated on the first ${kvCalibrationTokens} tokens of the text\n`);
      for (const r of report.contexts) {
        const clip = 'kvClippedShare' in r ? `, KV clipped ${(100 * (r.kvClippedShare as number)).toFixed(3)}%` : '';
        process.stdout.write(
          `context ${r.context}: ${r.windows} windows, NLL ${r.nll.toFixed(4)} nats, PPL ${r.ppl.toFixed(3)}, ${r.tokensPerSecond.toFixed(0)} tok/s${clip}\n`,
        );
      }
    }
  } finally {
    await opened.close();
  }
}
