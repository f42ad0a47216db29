/**
 * Honest budgets: the peak bytes of one run, itemised, from the ModelSpec, the scenario (weight
 * precision, KV quant, taps, logits), the context T and the layer-group size. Group = all layers
 * describes the whole-graph engine (lib/onnx/llamaGraph.ts: every weight inside one ONNX
 * protobuf); a smaller group describes the layer-streamed engine (workers/engine/layeredSession.ts).
 * Pure arithmetic; the copies it counts are stated in each item's label and in `assumptions`.
 */
import { attentionQueryChunk, DEFAULT_ATTENTION_BUDGET_BYTES } from '../onnx/llamaGraph';
import { DEFAULT_HEAD_BUDGET_BYTES, headVocabChunks } from '../onnx/lmHead';
import { rtnPacksAsMatMulNBits } from '../quant/matmulnbits';
import type { ModelSpec } from './spec';

/** The weights of the decoder linears as the run holds them (embeddings, head and norms stay float32). */
export type WeightPrecision =
  | { kind: 'float32' }
  /**
   * Full precision stored as float16 (lib/model/enginePlan fullPrecisionStorage: WebGPU with
   * shader-f16): the layer-streamed engine holds, caches and feeds 2 bytes a weight and casts to
   * float32 in the graph. The whole graph has no float16 path: counted as float32 there.
   */
  | { kind: 'float16' }
  /** RTN as com.microsoft.MatMulNBits codes ('nbits') or dequantized float32 ('fake'). */
  | { kind: 'rtn'; bits: number; groupSize: number | 'channel'; symmetric: boolean; format: 'nbits' | 'fake' };

/** [rows, cols] keys of a decoder layer's linears. */
export type DecoderLinearSlot = 'q' | 'k' | 'v' | 'o' | 'gate' | 'up' | 'down';

/**
 * Decoder linears a full-precision run holds as the file's own blocks repacked for MatMulNBits
 * (GGUF Q4_0 / Q8_0, lib/quant/gguf/toMatMulNBits: block 32, one float32 scale a block, no zero
 * points): `bits` per slot, the same in every layer (lib/model/storedLinear storedLinearBits).
 * `feed` 'float32': the layer-streamed engine expands the cached codes to float32 per run (the CPU
 * EP, lib/model/enginePlan nbitsFeed); 'codes' (default): they are fed and run as MatMulNBits.
 */
export interface StoredLinears {
  bits: Partial<Record<DecoderLinearSlot, 4 | 8>>;
  feed?: 'codes' | 'float32';
}

export interface RunScenario {
  weights: WeightPrecision;
  /** Full precision only (ignored under RTN): linears held as the file's MatMulNBits-exact blocks. */
  storedLinears?: StoredLinears;
  /** Which decoder linears the RTN applies to (default all seven). */
  quantLayers?: 'all' | 'attention' | 'qk';
  /** KV-cache fake quant in the graph (one layer's quantized k/v alive at a time). */
  kvQuant?: boolean;
  /** Number of tap layers (q/k pre/post outputs), and which extra taps. */
  tapLayerCount?: number;
  tapQueries?: boolean;
  tapValues?: boolean;
  /** The caller asks for logits [T, vocab]. */
  logits?: boolean;
  /** Decoder layers per group: ≥ numLayers = the whole-graph engine (unless `engine` says layer-streamed); 1 = one layer at a time. */
  layerGroupSize: number;
  /** 'layer-streamed' prices the streamed engine even with every layer in one group. Default: by layerGroupSize. */
  engine?: 'whole-graph' | 'layer-streamed';
  /**
   * 'kept': every tensor read stays cached as float32 (the dashboard worker's tensorCache, the CLI's
   * scenario model); 'transient' (default): only the assembled weights stay (bandscope eval).
   */
  sourceTensors?: 'kept' | 'transient';
  attentionBudgetBytes?: number;
  headBudgetBytes?: number;
  /**
   * Layer-streamed only: bytes of decoder weights the engine keeps between runs
   * (workers/engine/layerWeightCache.ts); counted up to what all layers need. Default 0.
   */
  layerCacheBytes?: number;
}

/** When an item is alive: the whole run, while the graph is built, or while it runs. */
export type BudgetPhase = 'always' | 'build' | 'run';

export interface BudgetItem {
  key: string;
  /** What the bytes are, with the copy they stand for. */
  label: string;
  bytes: number;
  phase: BudgetPhase;
}

export interface RunBudget {
  engine: 'whole-graph' | 'layer-streamed';
  contextTokens: number;
  layerGroupSize: number;
  /** always + max(build, run). */
  peakBytes: number;
  peakPhase: 'build' | 'run';
  items: BudgetItem[];
  /** The largest single buffer the run allocates (a WebGPU buffer must fit maxBufferSize). */
  largestBufferBytes: number;
  largestBufferName: string;
  /** Bytes of the largest ONNX protobuf the run builds (one graph may not exceed 2 GiB). */
  largestProtobufBytes: number;
  /** Why this run cannot be made at all, whatever the memory (e.g. the 2 GiB protobuf limit); null when it can. */
  refusal: string | null;
  assumptions: string[];
}

/** protobuf's hard limit on one serialized message (and so one .onnx without external data). */
export const PROTOBUF_LIMIT_BYTES = 2 * 1024 * 1024 * 1024;
/**
 * Node/tsx or the worker, onnxruntime's code, thread pools and arena slack, before any weight — an
 * allowance, set so that the whole-graph peaks of `bandscope eval --contexts 1024` on the built-in
 * model and on 128k-vocabulary synthetic checkpoints come out at or above the measured peak RSS
 * (within 1 % over several runs on the 128k ones, +18 % on the built-in one).
 */
export const RUNTIME_ALLOWANCE_BYTES = 256 * 1024 * 1024;

/** Share added to a layer-streamed run's itemised peak, measured (see the 'slack' item). */
export const LAYERED_SLACK_SHARE = 0.1;

const LINEARS = ['q', 'k', 'v', 'o', 'gate', 'up', 'down'] as const;
type LinearKey = DecoderLinearSlot;
const QUANTIZED: Record<NonNullable<RunScenario['quantLayers']>, ReadonlySet<LinearKey>> = {
  all: new Set(LINEARS),
  attention: new Set(['q', 'k', 'v', 'o']),
  qk: new Set(['q', 'k']),
};

/** [rows = out, cols = in] of each decoder linear. */
function linearShapes(spec: ModelSpec): Record<LinearKey, [number, number]> {
  const { hiddenSize: h, intermediateSize: i, numHeads, numKvHeads, headDim } = spec;
  return {
    q: [numHeads * headDim, h],
    k: [numKvHeads * headDim, h],
    v: [numKvHeads * headDim, h],
    o: [h, numHeads * headDim],
    gate: [i, h],
    up: [i, h],
    down: [h, i],
  };
}

/** Bytes of MatMulNBits codes + float32 scales (+ packed zero points) for [rows, cols]. */
function nbitsBytes(rows: number, cols: number, bits: number, groupSize: number | 'channel', symmetric: boolean): number {
  const block = groupSize === 'channel' ? cols : groupSize;
  const kBlocks = Math.ceil(cols / block);
  return rows * (kBlocks * Math.ceil((block * bits) / 8) + kBlocks * 4 + (symmetric ? 0 : Math.ceil((kBlocks * bits) / 8)));
}

interface LayerBytes {
  /** The layer's weights as the graph holds them. */
  held: number;
  /**
   * As the layer-streamed engine's cache keeps them: `held`, except fake-quant RTN that packs as
   * MatMulNBits, kept as its codes and expanded to float32 per run (workers/engine/layeredSource.ts).
   */
  cached: number;
  /** Its float32 linears (what a MatMul transposed copy or a float32 source costs). */
  f32Linears: number;
  /** Of which linears the graph keeps as float32 (fake quant and unquantized ones). */
  f32HeldLinears: number;
  /** All its tensors as float32. */
  f32All: number;
  largestTensorF32: number;
  /** Bytes of the linears held as the file's own MatMulNBits blocks (StoredLinears), and what they would be as float32. */
  storedCodes: number;
  storedF32: number;
}

/** The GGUF Q4_0 / Q8_0 repack's block: 32 weights, one float32 scale, no zero points. */
const STORED_BLOCK = 32;

function layerBytes(spec: ModelSpec, w: WeightPrecision, quantLayers: RunScenario['quantLayers'], streamed: boolean, stored?: StoredLinears): LayerBytes {
  const shapes = linearShapes(spec);
  const quantized = QUANTIZED[quantLayers ?? 'all'];
  const smallF32 =
    4 * (2 * spec.hiddenSize + (spec.qkNorm ? 2 * spec.headDim : 0) + (spec.attentionBias ? (spec.numHeads + 2 * spec.numKvHeads) * spec.headDim : 0));
  let held = smallF32;
  let cached = smallF32;
  // The layered source keeps fake quant as codes only when RTN covers every linear and all pack
  // (workers/engine/layeredSource.ts fakeQuantCachesAsCodes; subsets are quantized in a hook, as float32).
  const fakeAsCodes = w.kind === 'rtn' && (quantLayers ?? 'all') === 'all' && LINEARS.every((key) => rtnPacksAsMatMulNBits(shapes[key][1], w));
  let f32Linears = 0;
  let f32HeldLinears = 0;
  let largestTensorF32 = 0;
  let storedCodes = 0;
  let storedF32 = 0;
  for (const key of LINEARS) {
    const [rows, cols] = shapes[key];
    const f32 = 4 * rows * cols;
    f32Linears += f32;
    largestTensorF32 = Math.max(largestTensorF32, f32);
    const storedBits = w.kind === 'rtn' ? undefined : stored?.bits[key];
    if (storedBits !== undefined) {
      // The whole graph embeds the codes; the streamed engine caches them and feeds codes or their float32 expansion.
      const codes = nbitsBytes(rows, cols, storedBits, STORED_BLOCK, true);
      held += streamed && stored?.feed === 'float32' ? f32 : codes;
      cached += codes;
      storedCodes += codes;
      storedF32 += f32;
      continue;
    }
    const codes = w.kind === 'rtn' && quantized.has(key) ? nbitsBytes(rows, cols, w.bits, w.groupSize, w.symmetric) : null;
    if (w.kind === 'float16' && streamed) {
      held += 2 * rows * cols;
      cached += 2 * rows * cols;
    } else if (codes !== null && w.kind === 'rtn' && w.format === 'nbits') {
      held += codes;
      cached += codes;
    } else {
      held += f32;
      f32HeldLinears += f32;
      cached += codes !== null && fakeAsCodes ? codes : f32;
    }
  }
  return { held, cached, f32Linears, f32HeldLinears, f32All: f32Linears + smallF32, largestTensorF32, storedCodes, storedF32 };
}

const GIB = 1024 * 1024 * 1024;
const gib = (bytes: number) => `${(bytes / GIB).toFixed(2)} GiB`;

/**
 * Peak bytes of one run of `spec` over `contextTokens` tokens in `scenario`, itemised.
 * Units: bytes; T = contextTokens; float32 = 4 bytes per element.
 * Whole graph (layerGroupSize ≥ numLayers, today): assembled weights (+ the float32 source cache
 * when 'kept'), the ONNX bytes embedding every weight, a transposed float32 copy of every float
 * linear while building (MatMul wants [in, out]), onnxruntime's own copy of the initializers
 * (plus a prepacked copy of a tied embedding, which Gather also reads), and the run's activations.
 * Layer-streamed (smaller groups; workers/engine/layeredSession.ts): embedding/head resident once
 * (fed to the head graph as views), one group's assembled weights fed as graph inputs (no protobuf or
 * session copy), the layer cache, the residual stream handed between groups.
 */
export function runBudget(spec: ModelSpec, scenario: RunScenario, contextTokens: number): RunBudget {
  const { vocabSize, hiddenSize, numLayers, numHeads, numKvHeads, headDim, intermediateSize } = spec;
  const T = contextTokens;
  if (!Number.isInteger(T) || T < 2) throw new Error(`contextTokens must be an integer ≥ 2, got ${T}`);
  const group = Math.min(numLayers, Math.max(1, Math.floor(scenario.layerGroupSize)));
  if (!(scenario.layerGroupSize >= 1)) throw new Error(`layerGroupSize must be ≥ 1, got ${scenario.layerGroupSize}`);
  const streamed = scenario.engine === 'layer-streamed' || group < numLayers;
  const w = scenario.weights;
  const layer = layerBytes(spec, w, scenario.quantLayers, streamed, scenario.storedLinears);
  const tied = spec.tieWordEmbeddings;
  const matrixF32 = 4 * vocabSize * hiddenSize;
  const embedHeadF32 = matrixF32 * (tied ? 1 : 2);
  const finalNorm = 4 * hiddenSize;
  const items: BudgetItem[] = [];
  const add = (key: string, label: string, bytes: number, phase: BudgetPhase) => {
    if (bytes > 0) items.push({ key, label, bytes, phase });
  };
  const assumptions = [
    ...(w.kind === 'float16'
      ? [
          streamed
            ? 'float16 decoder linears (2 bytes a weight) held, cached and fed; the graph casts one linear at a time to float32'
            : 'the whole graph has no float16 path: float16 is counted as float32',
        ]
      : []),
    `runtime allowance ${gib(RUNTIME_ALLOWANCE_BYTES)} (JS runtime, onnxruntime code, thread pools, arena slack)`,
    'one attention chunk and one LM-head chunk alive at a time, each ×3 (scores/logits, shifted, exponentiated)',
    'outputs (taps, logits) count twice: onnxruntime’s buffer and the copy handed to the caller',
  ];
  add('runtime', 'runtime allowance', RUNTIME_ALLOWANCE_BYTES, 'always');

  const groupProtobuf = layer.held * group;
  let largestProtobufBytes: number;
  if (!streamed) {
    const protobuf = layer.held * numLayers + embedHeadF32 + finalNorm;
    largestProtobufBytes = protobuf;
    const fp32Weights = w.kind === 'float32' || w.kind === 'float16';
    if (scenario.sourceTensors === 'kept') {
      // Linears taken from the file's blocks never go through the float32 reader.
      add(
        'source-f32',
        'float32 source tensors kept by the reader (one copy of every weight)',
        (layer.f32All - layer.storedF32) * numLayers + embedHeadF32 + finalNorm,
        'always',
      );
      // Full precision assembles the cached arrays themselves; quantized weights are new arrays.
      if (!fp32Weights) add('assembled', 'assembled decoder weights (quantized linears, new arrays)', layer.held * numLayers, 'always');
      else add('assembled', 'assembled decoder linears from the file’s blocks (MatMulNBits codes, new arrays)', layer.storedCodes * numLayers, 'always');
    } else {
      add('assembled', 'assembled weights (decoder, embedding, head once if tied)', layer.held * numLayers + embedHeadF32 + finalNorm, 'always');
    }
    add('onnx-bytes', 'ONNX protobuf embedding every weight (held until the run ends)', protobuf, 'always');
    add('transposed', 'transposed float32 copy of each float linear while building (MatMul [in, out])', layer.f32HeldLinears * numLayers, 'build');
    add('source-read', 'largest tensor in flight while reading (raw + float32)', 2 * Math.max(layer.largestTensorF32, matrixF32), 'build');
    add('ort-weights', 'onnxruntime session copy of the initializers', protobuf, 'run');
    if (tied) add('ort-prepack', 'prepacked copy of the tied embedding (Gemm prepacks it; Gather still reads the original)', matrixF32, 'run');
    assumptions.push('whole graph: the ONNX bytes stay alive until the run ends (the caller holds them while the session is created)');
  } else {
    // What workers/engine/layeredSession.ts does: weights are graph inputs (no protobuf or session
    // copy of them), the group's layers are assembled arrays fed as they are.
    largestProtobufBytes = 0;
    add(
      'resident-head',
      `embedding and LM head read once${tied ? ' (tied: one matrix)' : ''}, fed to the head graph as inputs (views, no copy)`,
      embedHeadF32 + finalNorm,
      'always',
    );
    add('hidden', 'residual stream [T, hidden]: embedded, fed, returned, copied out', 4 * 4 * T * hiddenSize, 'always');
    add(
      'group-weights',
      `one group of ${group} layer(s): assembled weights fed as inputs${layer.cached < layer.held ? ' (float32 expanded from the codes into the session’s buffers)' : ''}`,
      groupProtobuf,
      'always',
    );
    const cached = Math.min(Math.max(0, scenario.layerCacheBytes ?? 0), layer.cached * numLayers);
    const codes = layer.cached < layer.held;
    const cacheNote = codes ? (w.kind === 'rtn' ? ', fake-quant RTN kept as its codes' : ', the file’s blocks kept as MatMulNBits codes') : '';
    add('layer-cache', `decoder weights kept between runs (layer cache${cacheNote})`, cached, 'always');
    const quantTemp = w.kind === 'rtn' ? layer.largestTensorF32 * (w.format === 'nbits' ? 1.5 : 1.25) : w.kind === 'float16' ? layer.largestTensorF32 / 2 : 0;
    add(
      'source-read',
      'largest tensor in flight while reading a layer (raw + float32, + RTN codes/scales or float16 copy)',
      2 * layer.largestTensorF32 + quantTemp,
      'build',
    );
    assumptions.push(
      'layer-streamed: a group is read by byte range, fed as graph inputs, run and released before the next; only the layer cache keeps decoder weights between runs',
    );
  }

  // Activations of one layer (memory planner reuses buffers across layers).
  const attentionBudget = scenario.attentionBudgetBytes ?? DEFAULT_ATTENTION_BUDGET_BYTES;
  const queryRows = attentionQueryChunk(T, numHeads, attentionBudget);
  const scoreBytes = 4 * numHeads * queryRows * T;
  const vocabRows = headVocabChunks(T, vocabSize, scenario.headBudgetBytes ?? DEFAULT_HEAD_BUDGET_BYTES)[0].endRow;
  const headChunkBytes = 4 * T * vocabRows;
  const qkvBytes = 4 * T * (numHeads + 2 * numKvHeads) * headDim;
  add(
    'activations',
    'one layer’s activations: residual stream ×4, q/k/v ×3, MLP [T, intermediate] ×3',
    4 * 4 * T * hiddenSize + 3 * qkvBytes + 3 * 4 * T * intermediateSize,
    'run',
  );
  add('attention', `attention scores: ${queryRows}-row query chunk ×3`, 3 * scoreBytes, 'run');
  add('head', `LM head: ${vocabRows}-row vocabulary chunk ×3`, 3 * headChunkBytes, 'run');
  if (streamed && w.kind === 'float16')
    add('f16-cast', 'float32 cast of the largest float16 linear (Cast output, one alive at a time)', layer.largestTensorF32, 'run');
  if (scenario.kvQuant) add('kv-quant', 'KV fake quant: one layer’s quantized k and v ×2', 2 * 2 * 4 * T * numKvHeads * headDim, 'run');
  const logitsBytes = 4 * T * vocabSize;
  if (scenario.logits) add('logits', 'logits [T, vocab] ×2', 2 * logitsBytes, 'run');
  const tapLayers = scenario.tapLayerCount ?? 0;
  if (tapLayers > 0) {
    const perLayer =
      (scenario.tapQueries === false ? 0 : 2 * numHeads) + 2 * numKvHeads + (scenario.tapValues ? numKvHeads : 0) + (scenario.kvQuant ? 2 * numKvHeads : 0);
    add('taps', `taps of ${tapLayers} layer(s) ×2`, 2 * tapLayers * 4 * T * perLayer * headDim, 'run');
  }

  const sum = (phase: BudgetPhase) => items.filter((i) => i.phase === phase).reduce((a, i) => a + i.bytes, 0);
  const build = sum('build');
  const run = sum('run');
  if (streamed) {
    // Calibration, not a named copy: `bandscope eval --contexts 512` on a Llama-3.2-1B-shaped folder
    // peaked 4–7 % above the itemised sum (FP 2476 MiB, w4 2556 MiB against 2386 MiB).
    const slack = Math.ceil(LAYERED_SLACK_SHARE * (sum('always') + Math.max(build, run)));
    add(
      'slack',
      `layer-streamed slack: ${Math.round(100 * LAYERED_SLACK_SHARE)} % of the items above (allocator and feed slack the items do not name)`,
      slack,
      'always',
    );
  }
  const buffers: Array<[string, number]> = [
    ['attention score chunk', scoreBytes],
    ['LM-head logits chunk', headChunkBytes],
    ['MLP activation [T, intermediate]', 4 * T * intermediateSize],
    ['largest decoder weight', layer.largestTensorF32],
    [
      streamed ? 'LM-head weight chunk' : tied ? 'tied embedding chunk' : 'embedding [vocab, hidden]',
      streamed || tied ? vocabRows * hiddenSize * 4 : matrixF32,
    ],
  ];
  if (scenario.logits) buffers.push(['logits [T, vocab]', logitsBytes]);
  const [largestBufferName, largestBufferBytes] = buffers.reduce((a, b) => (b[1] > a[1] ? b : a));
  const refusal =
    largestProtobufBytes > PROTOBUF_LIMIT_BYTES
      ? `one ONNX protobuf cannot exceed 2 GiB, and the whole-graph engine puts every weight in one graph: ${gib(largestProtobufBytes)} of weights`
      : null;
  return {
    engine: streamed ? 'layer-streamed' : 'whole-graph',
    contextTokens: T,
    layerGroupSize: group,
    peakBytes: sum('always') + Math.max(build, run),
    peakPhase: build > run ? 'build' : 'run',
    items,
    largestBufferBytes,
    largestBufferName,
    largestProtobufBytes,
    refusal,
    assumptions,
  };
}
