/**
 * `bandscope eval --model <builtin | hf-folder | file.gguf> --text <file> --contexts 256,1024 [--windows N]
 *  [--rope none|linear:S|ntk:S|dynamic:S|yarn:S|llama3:S] [--quant none|rtn:w4g32a|…]
 *  [--quant-format fake|nbits] [--kv int8:token:post|…] [--qroar scales.json] [--trained-window N]
 *  [--score bandscope|llama-perplexity] [--json]`
 *
 * Perplexity of the text at each context (lib/eval/perplexity.ts) through the ONNX graph
 * (lib/onnx) on onnxruntime-node's CPU EP. PI factor S is over the model's own trained window.
 * Quant applies to every decoder linear (q,k,v,o,gate,up,down), never embeddings or lm_head;
 * 'fake' runs dequantized float32 weights, 'nbits' runs com.microsoft.MatMulNBits.
 * --json prints one object: {device, model, settings, contexts: [{context, windows, tokens, nll,
 * ppl, seconds, tokensPerSecond}]}.
 * --kv: KV-cache fake quant in the graph (lib/quant/kvSpec grammar); per-token only here
 * (per-channel needs calibrated scales: not offered by this command yet).
 * --score llama-perplexity: llama.cpp `llama-perplexity`'s rule (lib/eval/scoring.ts) — each window's first
 *   token replaced by BOS when the vocabulary adds one, predictions from ⌊C/2⌋ on — to compare with llama.cpp.
 * --qroar: band scales (lib/export/scalesJson.ts file) applied to W_Q/W_K before quantization.
 * Models open through lib/model (`openModelAtPath`): HF folders and GGUF files (GGUF blocks are
 * dequantized to float32; interleaved q/k rows are permuted to half-split in the graph).
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { assembleDecoderWeights } from '../../lib/onnx/assembleWeights';
import { buildLlamaGraph } from '../../lib/onnx/llamaGraph';
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
import { createNodeEngine } from '../engine/nodeRunner';
import { loadQroarPreQuant } from '../engine/qroarFile';
import { UsageError } from '../errors';
import { trainedWindowFlag } from '../args';

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
        qroar: { type: 'string' },
        json: { type: 'boolean' },
        'trained-window': { type: 'string' },
        score: { type: 'string' },
      },
    }));
  } catch (err) {
    throw new UsageError(`${COMMAND}: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`);
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
    if (kvQuant.granularity === 'channel') throw new UsageError(`${COMMAND}: --kv '${kvRaw}': per-channel KV quant needs calibrated scales; eval offers per-token only`);
  }
  const qroarPath = stringFlag('qroar');
  const trainedWindowTokens = trainedWindowFlag(COMMAND, { values, positionals: [] });
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

  const opened = await openModelAtPath(modelPath, { trainedWindowTokens });
  const model = opened.model;
  try {
    const { spec } = model;
    const tokens = tokenStreamOfBytes(model.tokenizer, spec.vocabSize, textBytes);
    const rope = applyInterpolation(spec.rope, ropeChoice);
    const qroar = qroarPath === undefined ? undefined : await loadQroarPreQuant(qroarPath, spec, rope);
    const weights = await assembleDecoderWeights(spec, (n) => model.tensorF32(n), { rtn, quantFormat, ...qroar?.hooks });
    let device = 'ort-node:cpu';
    const scoring: WindowScoring = { mode: scoreMode, bosId: addedBosId(model.tokenizer) };
    const results = await evaluatePerplexity({
      tokens,
      scoring,
      contexts,
      maxWindows,
      prepare: async (context) => {
        const graph = buildLlamaGraph(spec, weights, { seqLen: context, kvQuant });
        const engine = await createNodeEngine(graph);
        device = engine.device;
        const { cos, sin } = graphRopeInputs(rope, context);
        return { engine, cos, sin, release: () => engine.dispose() };
      },
    });
    const report = {
      device,
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
      })),
    };
    if (values.json === true) process.stdout.write(`${JSON.stringify(report)}\n`);
    else {
      process.stdout.write(`${report.model} on ${device}, rope ${report.settings.rope}, quant ${quantRaw}\n${describeTrainedWindow(model.trainedWindow)}\ntokens: ${describeTokenizerSource(model.tokenizer)}; ${tokens.length} tokens in the text\n${describeScoring(scoring)}\n`);
      for (const r of report.contexts) {
        process.stdout.write(`context ${r.context}: ${r.windows} windows, NLL ${r.nll.toFixed(4)} nats, PPL ${r.ppl.toFixed(3)}, ${r.tokensPerSecond.toFixed(0)} tok/s\n`);
      }
    }
  } finally {
    await opened.close();
  }
}
