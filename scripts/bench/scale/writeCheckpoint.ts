/**
 * `npx tsx scripts/bench/scale/writeCheckpoint.ts [dir] [--force]`: writes the SYNTHETIC
 * Llama-3.2-1B-shaped checkpoint the scale benchmark runs on (default bench/scale/checkpoint,
 * git-ignored), unless it is already there. About 2.5 GB: BF16 weights from one seeded RNG
 * (mulberry32, lib/diagnostics/rng.ts; Box–Muller normals, std 0.02 = transformers'
 * initializer_range; RMSNorm weights 1), sharded safetensors with model.safetensors.index.json,
 * config.json and README.md saying these are random weights, and a byte-level tokenizer
 * (bandscope_tokenizer.json: token id = UTF-8 byte, the built-in model's rule).
 *
 * Shards are streamed to disk a chunk at a time, in a sibling `<dir>.partial-<pid>` folder renamed
 * to `<dir>` at the end, so an interrupted write never leaves a folder that looks complete.
 */
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { createRng } from '../../../lib/diagnostics/rng';
import { elementCount, LLAMA_3_2_1B_SHAPE, SYNTHETIC_NOTE, syntheticConfig, tensorPlan, type CheckpointShape, type TensorPlan } from './shape';
import { writeBf16Shard } from './safetensorsStream';

export const REPO_ROOT = resolve(import.meta.dirname, '..', '..', '..');
export const DEFAULT_CHECKPOINT_DIR = join(REPO_ROOT, 'bench', 'scale', 'checkpoint');
export const DEFAULT_SEED = 20250601;
export const DEFAULT_INIT_STD = 0.02;
/** Shard cap in bytes: 1 GiB gives the 1B shape three shards (real HF checkpoints cap at 5 GB). */
export const DEFAULT_SHARD_BYTES = 2 ** 30;
/** float32 values generated and written per chunk (4 MiB of float32, 2 MiB of BF16). */
const CHUNK_ELEMENTS = 1 << 20;

export interface WriteOptions {
  shape?: CheckpointShape;
  seed?: number;
  initStd?: number;
  maxShardBytes?: number;
  /** Rewrite even when the folder already holds a checkpoint. */
  force?: boolean;
}

export interface WriteResult {
  dir: string;
  /** false: a checkpoint was already there and nothing was written. */
  written: boolean;
  shards: string[];
  totalBytes: number;
}

/** Groups the plan, in order, into shards of at most `maxShardBytes` of BF16 data (one tensor bigger than that gets its own shard). */
export function shardPlan(plan: readonly TensorPlan[], maxShardBytes: number): TensorPlan[][] {
  const shards: TensorPlan[][] = [];
  let current: TensorPlan[] = [];
  let bytes = 0;
  for (const t of plan) {
    const size = 2 * elementCount(t.shape);
    if (current.length > 0 && bytes + size > maxShardBytes) {
      shards.push(current);
      current = [];
      bytes = 0;
    }
    current.push(t);
    bytes += size;
  }
  if (current.length > 0) shards.push(current);
  return shards;
}

function readmeText(shape: CheckpointShape, seed: number, initStd: number, totalBytes: number): string {
  return [
    '# SYNTHETIC checkpoint — not a model',
    '',
    `${SYNTHETIC_NOTE}.`,
    '',
    `Llama-3.2-1B's shape (hidden ${shape.hiddenSize}, ${shape.numLayers} layers, ${shape.numHeads} heads / ${shape.numKvHeads} KV heads, head_dim ${shape.headDim},`,
    `intermediate ${shape.intermediateSize}, vocabulary ${shape.vocabSize}, ${shape.tieWordEmbeddings ? 'tied' : 'untied'} head, llama3 RoPE scaling) with seeded random`,
    `BF16 weights (seed ${seed}, N(0, ${initStd}²), RMSNorm weights 1): ${totalBytes} bytes of safetensors. Its NLL is that of`,
    'random weights (about ln(vocabulary)); it only lets two implementations be compared on the same numbers and',
    'time and memory be measured at the real shape. Tokenizer: UTF-8 bytes (ids 0…255 of the vocabulary).',
    '',
    'Written by scripts/bench/scale/writeCheckpoint.ts for `npm run bench:scale`.',
    '',
  ].join('\n');
}

/**
 * Writes the synthetic checkpoint into `dir` unless `dir/config.json` is already there (then
 * returns written: false). Peak memory is one chunk, whatever the shape. Throws when `dir` exists
 * without a config.json and is not empty (something else lives there).
 */
export function writeSyntheticCheckpoint(dir: string, options: WriteOptions = {}): WriteResult {
  const shape = options.shape ?? LLAMA_3_2_1B_SHAPE;
  const seed = options.seed ?? DEFAULT_SEED;
  const initStd = options.initStd ?? DEFAULT_INIT_STD;
  const shards = shardPlan(tensorPlan(shape), options.maxShardBytes ?? DEFAULT_SHARD_BYTES);
  const names = shards.map((_, i) => `model-${String(i + 1).padStart(5, '0')}-of-${String(shards.length).padStart(5, '0')}.safetensors`);
  if (existsSync(join(dir, 'config.json')) && options.force !== true) return { dir, written: false, shards: names, totalBytes: 0 };
  if (existsSync(dir) && options.force !== true && readdirSync(dir).length > 0) {
    throw new Error(`${dir} exists, is not empty and holds no config.json: not overwriting it (remove it or pass --force)`);
  }
  const tmp = `${dir}.partial-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  const rng = createRng(seed);
  // One RNG over every tensor in plan order: the same seed and shape give the same bytes.
  function* chunksOf(t: { shape: number[] }, init: TensorPlan['init']): Iterable<Float32Array> {
    const n = elementCount(t.shape);
    for (let done = 0; done < n; done += CHUNK_ELEMENTS) {
      const chunk = new Float32Array(Math.min(CHUNK_ELEMENTS, n - done));
      if (init === 'ones') chunk.fill(1);
      else for (let i = 0; i < chunk.length; i++) chunk[i] = initStd * rng.nextGaussian();
      yield chunk;
    }
  }
  const weightMap: Record<string, string> = {};
  let totalBytes = 0;
  let dataBytes = 0;
  shards.forEach((tensors, i) => {
    const initOf = new Map(tensors.map((t) => [t.name, t.init]));
    totalBytes += writeBf16Shard(join(tmp, names[i]), tensors, { format: 'pt', bandscope_synthetic: SYNTHETIC_NOTE }, (t) => chunksOf(t, initOf.get(t.name)!));
    for (const t of tensors) {
      weightMap[t.name] = names[i];
      dataBytes += 2 * elementCount(t.shape);
    }
  });
  const json = (v: unknown): string => `${JSON.stringify(v, null, 2)}\n`;
  writeFileSync(join(tmp, 'model.safetensors.index.json'), json({ metadata: { total_size: dataBytes, bandscope_synthetic: SYNTHETIC_NOTE }, weight_map: weightMap }));
  writeFileSync(join(tmp, 'bandscope_tokenizer.json'), '{ "type": "bytes", "vocab_size": 256, "bos": null, "eos": null }\n');
  writeFileSync(join(tmp, 'README.md'), readmeText(shape, seed, initStd, totalBytes));
  // config.json last: its presence is what "already written" means.
  writeFileSync(join(tmp, 'config.json'), json(syntheticConfig(shape, seed, initStd)));
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dirname(dir), { recursive: true });
  renameSync(tmp, dir);
  return { dir, written: true, shards: names, totalBytes };
}

function main(): void {
  const { values, positionals } = parseArgs({ args: process.argv.slice(2), allowPositionals: true, options: { force: { type: 'boolean' } } });
  const dir = resolve(positionals[0] ?? DEFAULT_CHECKPOINT_DIR);
  const started = performance.now();
  const r = writeSyntheticCheckpoint(dir, { force: values.force === true });
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  process.stdout.write(r.written ? `wrote synthetic checkpoint ${dir}: ${r.shards.length} shards, ${(r.totalBytes / 1e9).toFixed(2)} GB in ${seconds} s\n` : `synthetic checkpoint already present at ${dir} (--force rewrites it)\n`);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) main();
