/**
 * `bandscope inspect <builtin | hf-folder | file.safetensors | file.gguf> [--tensor NAME] [--trained-window N] [--json]`
 *
 * What a checkpoint file holds, whether or not it is a complete model: every tensor of every
 * weights file (a folder's .safetensors shards or .gguf; a single file with or without a
 * config.json beside it, e.g. the patched q/k safetensors `search --out` writes), the files'
 * metadata, and the ModelSpec when the files open as a model. A corrupt or truncated file is
 * one line on stderr, exit 2.
 *
 * --tensor NAME: the tensor's name in the file, or its Hugging Face name (GGUF's mapped name,
 * or an alias such as a tied embedding's other name), adds its stats over the float32 values
 * after dequantization, in the file's own row order, read in row batches (bounded memory).
 *
 * --json prints exactly one JSON object (InspectReport):
 *   path          the path given ('builtin:bandscope-byte-4m' for builtin)
 *   format        'hf-safetensors' | 'gguf' when the files open as a model, else the file
 *                 format: 'safetensors' | 'gguf'
 *   architecture  the model's (model_type / general.architecture); for a GGUF that does not
 *                 open, its general.architecture when present; absent otherwise
 *   identity      lib/model's header hash (SHA-256 hex), when the files open as a model
 *   spec          the ModelSpec, when one can be derived; otherwise
 *   specError     why not: the message opening the files as a model gave
 *   trainedWindow with a spec: {windowTokens, source, candidates[{source, windowTokens}]} — L in
 *                 force ('override' with --trained-window N) and every window the files state
 *   tokenizer     with a spec: {kind ('bytes' | 'hf-json' | 'gguf' | 'none'), vocabSize, bosId, eosId,
 *                 addBos, addEos, description} — the tokenizer found and its special-token rule
 *   files[]       per weights file: fileName, format ('safetensors' | 'gguf'), sizeBytes,
 *                 ggufVersion (GGUF), dataOffsetBytes (where tensor data starts), metadata
 *                 (safetensors __metadata__ strings; GGUF keys with arrays of more than 16
 *                 elements given as {array: kind, length}, uint64 beyond 2^53 as strings)
 *   tensors[]     per stored tensor, in file order: name (in the file), hfName (Hugging Face
 *                 name; GGUF names mapped, safetensors names as they are), fileName, dtype
 *                 (safetensors dtype or ggml type), shape (row-major, HF orientation),
 *                 offsetBytes (absolute data offset in its file), sizeBytes, aliases (other HF
 *                 names that read this tensor; absent when none)
 *   tensor        with --tensor: that tensor's fields above plus first[16] (storage order;
 *                 NaN/Inf print as null), mean and absMax over finite values, nonFinite (count)
 */
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { listWeightsFile, type ListedTensor, type ListedWeightsFile, type WeightsFileListing } from '../../lib/model/fileListing';
import type { OpenModelOptions, OpenedModel } from '../../lib/model/open';
import { describeTrainedWindow, type TrainedWindow } from '../../lib/model/trainedWindow';
import { summarizeTokenizerSource, type TokenizerSummary } from '../../lib/tokenize/describeSource';
import type { ModelSpec } from '../../lib/model/spec';
import { tensorStatsInBatches, type TensorStats } from '../../lib/model/stats';
import { aliasesByStoredName, metadataTensorAliases } from '../../lib/model/tensorAliases';
import { booleanFlag, parseFlags, stringFlag, TRAINED_WINDOW_FLAG, trainedWindowFlag } from '../args';
import { isUserFacingError, UsageError } from '../errors';
import { openModelAtPath, openNodeByteSource, type ClosableByteSource } from '../io/nodeByteSource';
import { BUILTIN_MODEL_DIR, BUILTIN_MODEL_NAME } from '../scenario/model';

const COMMAND = 'inspect';

export interface InspectTensor extends ListedTensor {
  aliases?: string[];
}

/**
 * The one JSON object `inspect --json` prints (fields: the header comment). Flat on purpose:
 * further optional model facts (e.g. `tokenizer`, `trainedWindow`) sit beside `spec`.
 */
export interface InspectReport {
  path: string;
  format: OpenedModel['format'] | ListedWeightsFile['format'];
  architecture?: string;
  identity?: string;
  spec?: ModelSpec;
  specError?: string;
  /** With a spec: the trained window in force (--trained-window or the files'), its source and every window the files state. */
  trainedWindow?: TrainedWindow;
  /** With a spec: the tokenizer the files bring (tokenizer.json beside wins over a GGUF's embedded one) and its BOS/EOS rule. */
  tokenizer?: TokenizerSummary;
  /** The weights files; their tensors are the top-level `tensors`, not repeated here. */
  files: Array<Omit<ListedWeightsFile, 'tensors'>>;
  tensors: InspectTensor[];
  tensor?: InspectTensor & TensorStats;
}

/** The weights files at `path`: a folder's .safetensors/.gguf files (sorted), or the file itself. */
async function weightsFilesAt(path: string): Promise<string[]> {
  let info;
  try {
    info = await stat(path);
  } catch {
    throw new UsageError(`no such file or folder: ${path}`);
  }
  const isWeights = (n: string): boolean => /\.(safetensors|gguf)$/i.test(n);
  if (info.isDirectory()) {
    const names = (await readdir(path)).filter(isWeights).sort();
    if (names.length === 0) throw new UsageError(`${COMMAND}: ${path} holds no .safetensors or .gguf file`);
    return names.map((n) => join(path, n));
  }
  if (!isWeights(path)) throw new UsageError(`${COMMAND}: ${path} is not a .safetensors or .gguf file (or a model folder)`);
  return [path];
}

/** Opens the files as a model when they make one; a user-facing failure becomes specError. */
async function tryOpenModel(path: string, options: OpenModelOptions): Promise<{ model?: OpenedModel; specError?: string; close(): Promise<void> }> {
  try {
    return await openModelAtPath(path, options);
  } catch (e) {
    if (!isUserFacingError(e)) throw e;
    return { specError: e.message, close: async () => {} };
  }
}

/** Lists the weights at `path` and, with `tensorName`, that tensor's stats (see the header). */
export async function inspectPath(path: string, displayPath: string, tensorName?: string, options: OpenModelOptions = {}): Promise<InspectReport> {
  const sources: ClosableByteSource[] = [];
  try {
    const listings: WeightsFileListing[] = [];
    for (const file of await weightsFilesAt(path)) {
      const source = await openNodeByteSource(file);
      sources.push(source);
      listings.push(await listWeightsFile(source));
    }
    const opened = await tryOpenModel(path, options);
    try {
      const { model } = opened;
      const tensors: InspectTensor[] = listings.flatMap((l) => l.file.tensors);
      // Aliases: the model's (tied embeddings, __metadata__); a file that is no model: its __metadata__.
      const aliasesOf = model
        ? new Map(model.tensors.filter((t) => t.aliases).map((t) => [t.name, t.aliases!]))
        : aliasesByStoredName(
            metadataTensorAliases(
              new Set(tensors.map((t) => t.name)),
              Object.assign({}, ...listings.filter((l) => l.file.format === 'safetensors').map((l) => l.file.metadata)) as Record<string, string>,
            ),
          );
      for (const t of tensors) {
        const aliases = aliasesOf.get(t.hfName);
        if (aliases) t.aliases = aliases;
      }
      const ggufArch = listings[0].file.metadata['general.architecture'];
      const architecture = model?.architecture ?? (typeof ggufArch === 'string' ? ggufArch : undefined);
      const report: InspectReport = {
        path: displayPath,
        format: model?.format ?? listings[0].file.format,
        ...(architecture !== undefined ? { architecture } : {}),
        ...(model
          ? { identity: model.identity, spec: model.spec, trainedWindow: model.trainedWindow, tokenizer: summarizeTokenizerSource(model.tokenizer) }
          : { specError: opened.specError }),
        files: listings.map(({ file: { tensors: _listed, ...file } }) => file),
        tensors,
      };
      if (tensorName !== undefined) {
        const t = tensors.find((x) => x.name === tensorName) ?? tensors.find((x) => x.hfName === tensorName || x.aliases?.includes(tensorName));
        if (!t)
          throw new UsageError(
            `${COMMAND}: no tensor named '${tensorName}' (try one of: ${tensors
              .slice(0, 5)
              .map((x) => x.name)
              .join(', ')}, …)`,
          );
        const listing = listings.find((l) => l.file.fileName === t.fileName)!;
        report.tensor = { ...t, ...(await tensorStatsInBatches(t.shape, (rows) => listing.tensorF32(t.name, rows))) };
      }
      return report;
    } finally {
      await opened.close();
    }
  } finally {
    await Promise.all(sources.map((s) => s.close()));
  }
}

const cut = (s: string, n: number): string => (s.length > n ? `${s.slice(0, n)}… (${s.length} chars)` : s);

function textLines(r: InspectReport): string[] {
  const lines = [
    `path          ${r.path}`,
    `format        ${r.format}${r.architecture ? ` (${r.architecture})` : ''}${r.identity ? `, identity ${r.identity.slice(0, 16)}…` : ''}`,
  ];
  if (r.spec) {
    const s = r.spec;
    lines.push(
      `layers ${s.numLayers}, hidden ${s.hiddenSize}, heads ${s.numHeads} (kv ${s.numKvHeads}) × ${s.headDim}, mlp ${s.intermediateSize}, vocab ${s.vocabSize}${s.tieWordEmbeddings ? ', tied embeddings' : ''}`,
      `rope          ${s.rope.type}, base ${s.rope.thetaBase}, rotary dims ${s.rope.rotaryDim}, max positions ${s.rope.maxPositionEmbeddings}, pairs ${s.pairLayout}`,
    );
    if (r.trainedWindow) lines.push(`window        ${describeTrainedWindow(r.trainedWindow)}`);
    if (r.tokenizer) lines.push(`tokenizer     ${r.tokenizer.description}`);
  } else {
    lines.push(`spec          none: ${r.specError}`);
  }
  for (const f of r.files) {
    const keys = Object.entries(f.metadata);
    lines.push(
      `file          ${f.fileName}: ${f.format}${f.ggufVersion ? ` v${f.ggufVersion}` : ''}, ${f.sizeBytes} bytes, data at ${f.dataOffsetBytes}, ${keys.length} metadata keys`,
    );
    for (const [k, v] of keys) lines.push(`  ${k} = ${cut(typeof v === 'string' ? v : JSON.stringify(v), 100)}`);
  }
  lines.push(`tensors       ${r.tensors.length}`);
  for (const t of r.tensors) {
    const hf = t.hfName !== t.name ? ` → ${t.hfName}` : '';
    const aliases = t.aliases ? `  (also ${t.aliases.join(', ')})` : '';
    lines.push(
      `  ${t.name}${hf}  ${t.dtype}  [${t.shape.join(', ')}]  @${t.offsetBytes}  ${t.sizeBytes} B${r.files.length > 1 ? `  ${t.fileName}` : ''}${aliases}`,
    );
  }
  if (r.tensor) {
    const t = r.tensor;
    lines.push(
      `tensor ${t.name} ${t.dtype} [${t.shape.join(', ')}]: mean ${t.mean}, absMax ${t.absMax}, nonFinite ${t.nonFinite}`,
      `  first ${t.first.join(' ')}`,
    );
  }
  return lines;
}

export async function run(argv: string[]): Promise<void> {
  const flags = parseFlags(COMMAND, argv, { tensor: { type: 'string' }, json: { type: 'boolean' }, ...TRAINED_WINDOW_FLAG }, true);
  if (flags.positionals.length !== 1) {
    throw new UsageError(`${COMMAND}: give exactly one path (builtin, an HF folder, a .safetensors file or a .gguf file), got ${flags.positionals.length}`);
  }
  const arg = flags.positionals[0];
  const report = await inspectPath(
    arg === 'builtin' ? BUILTIN_MODEL_DIR : arg,
    arg === 'builtin' ? BUILTIN_MODEL_NAME : arg,
    stringFlag(COMMAND, flags, 'tensor'),
    { trainedWindowTokens: trainedWindowFlag(COMMAND, flags) },
  );
  process.stdout.write(booleanFlag(flags, 'json') ? `${JSON.stringify(report)}\n` : `${textLines(report).join('\n')}\n`);
}
