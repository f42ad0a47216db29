/**
 * Which engine a run uses and, when layer-streamed, how many layers per group and how many bytes
 * of decoder weights to keep between runs — from the memory budget and runBudget.ts, before any
 * tensor is read. 'auto' runs the whole graph when it fits and streams layers otherwise.
 */
import { formatBytes } from '../format/bytes';
import { BudgetExceededError } from './errors';
import { LAYERED_SLACK_SHARE, runBudget, type RunBudget, type RunScenario } from './runBudget';
import { decoderLinearNames } from '../onnx/weights';
import type { OpenedModel } from './open';
import type { ModelSpec } from './spec';

export type EngineChoice = 'whole' | 'layered' | 'auto';

/**
 * Most bytes of decoder weights one group holds by default: the built-in model (16 MiB) is one
 * group, a 1B-class float32 layer (232 MiB) is a group of its own. Bigger groups save nothing but
 * session runs (weights are inputs; lib/onnx/README.md), so there is no reason to hold more.
 */
export const DEFAULT_GROUP_WEIGHT_BYTES = 256 * 1024 * 1024;
/**
 * Most bytes of decoder weights kept between runs by default: the built-in model entirely; a
 * 1B-class model's 16 layers as 4-bit fake-quant codes (594 MiB at w4g32a, so after the cache is
 * filled a forward pass reads and quantizes nothing); of its float32 layers (232 MiB each), two.
 */
export const DEFAULT_LAYER_CACHE_BYTES = 640 * 1024 * 1024;

/** What is known of the device before any tensor is read (the worker: the WebGPU adapter; the CLI: --device and a probe). */
export interface EngineDeviceFacts {
  /** The execution provider the sessions will run on. */
  ep: 'webgpu' | 'wasm' | 'cpu';
  /** The WebGPU adapter has the 'shader-f16' feature (false off WebGPU). */
  shaderF16: boolean;
}

/** safetensors / GGUF dtypes whose values float16 holds exactly (BF16 but its subnormals and |x| > 65504, which stay float32 per linear). */
const SIXTEEN_BIT_DTYPES: ReadonlySet<string> = new Set(['F16', 'BF16']);

/**
 * How a layer-streamed full-precision run holds its decoder linears: 'float16' (half the bytes
 * read, cached and fed; cast to float32 in the graph, so the numbers are the float32 run's) where
 * the EP computes float16 — WebGPU with 'shader-f16' — and the checkpoint stores every decoder
 * linear in a 16-bit float (`linearDtypes`, as listed by the model: F16 or BF16), so float16
 * changes nothing a full-precision baseline keeps; otherwise 'float32'. An F32 checkpoint stays
 * float32 (float16 would round its weights: a different model, not the baseline).
 */
export function fullPrecisionStorage(device: EngineDeviceFacts, linearDtypes: readonly string[]): 'float16' | 'float32' {
  if (device.ep !== 'webgpu' || !device.shaderF16) return 'float32';
  return linearDtypes.length > 0 && linearDtypes.every((d) => SIXTEEN_BIT_DTYPES.has(d)) ? 'float16' : 'float32';
}

/**
 * The stored dtype of every decoder linear weight of `model` (fullPrecisionStorage's second input),
 * 'unknown' for one that no stored tensor holds under its own name (e.g. a fused qkv projection).
 */
export function decoderLinearDtypes(model: Pick<OpenedModel, 'spec' | 'tensors' | 'resolveTensorName'>): string[] {
  const dtypeOf = new Map(model.tensors.map((t) => [t.name, t.dtype]));
  const out: string[] = [];
  for (let l = 0; l < model.spec.numLayers; l++) {
    for (const name of Object.values(decoderLinearNames(l))) {
      const stored = model.resolveTensorName(`${name}.weight`);
      out.push((stored !== undefined ? dtypeOf.get(stored) : undefined) ?? 'unknown');
    }
  }
  return out;
}

/**
 * How a layer-streamed run feeds MatMulNBits codes: 'float32' (expanded per run from the cached
 * codes, then Gemm) on onnxruntime's CPU EP, 'codes' (MatMulNBits) elsewhere. Measured on a
 * Llama-3.2-1B-shaped layer at T = 512 (2 threads): MatMulNBits with codes as graph inputs (which
 * the CPU kernel cannot prepack) 650–880 ms a layer, Gemm on the float32 expansion 180–400 ms,
 * expansion included the forward pass 1.4–1.5× faster, the NLL identical. WebGPU keeps MatMulNBits
 * (the deployment format, and what holds GPU memory down); WASM is unmeasured, so unchanged.
 */
export function nbitsFeed(device: EngineDeviceFacts): 'codes' | 'float32' {
  return device.ep === 'cpu' ? 'float32' : 'codes';
}

export interface EnginePlan {
  engine: 'whole-graph' | 'layer-streamed';
  layerGroupSize: number;
  /** Layer cache budget, bytes (0 for the whole graph). */
  layerCacheBytes: number;
  budget: RunBudget;
  /**
   * How the layer-streamed engine holds full-precision decoder linears (fullPrecisionStorage);
   * 'float32' for the whole graph and for quantized runs.
   */
  weightStorage: 'float32' | 'float16';
  /** How the layer-streamed engine feeds MatMulNBits codes (nbitsFeed); 'codes' for the whole graph and without device facts. */
  nbitsFeed: 'codes' | 'float32';
}

/**
 * The plan for `spec` at `contextTokens` tokens in `scenario` under `budgetBytes`. A full-precision
 * (float32) scenario streamed on `device` facts that allow it (fullPrecisionStorage) is planned
 * and priced with float16 decoder linears (`weightStorage` says so). `layerGroupSize`
 * forces a group size (layered); otherwise the largest group ≤ DEFAULT_GROUP_WEIGHT_BYTES (at least
 * one layer) whose peak fits. Throws BudgetExceededError (user-facing, one line with the numbers)
 * when nothing fits: the whole graph when asked for, else one layer at a time with no cache.
 */
export function planEngine(
  spec: ModelSpec,
  scenario: Omit<RunScenario, 'layerGroupSize' | 'layerCacheBytes' | 'engine'>,
  contextTokens: number,
  memory: { budgetBytes: number; reason: string },
  choice: { engine: EngineChoice; layerGroupSize?: number; what: string },
  device?: { facts: EngineDeviceFacts; linearDtypes: readonly string[] },
): EnginePlan {
  const N = spec.numLayers;
  const weightStorage = scenario.weights.kind === 'float32' && device ? fullPrecisionStorage(device.facts, device.linearDtypes) : 'float32';
  const feed = device ? nbitsFeed(device.facts) : 'codes';
  const fits = (b: RunBudget) => b.refusal === null && b.peakBytes <= memory.budgetBytes;
  const wholeBudget = runBudget(spec, { ...scenario, layerGroupSize: N }, contextTokens);
  if (choice.engine === 'whole' || (choice.engine === 'auto' && choice.layerGroupSize === undefined && fits(wholeBudget))) {
    return { engine: 'whole-graph', layerGroupSize: N, layerCacheBytes: 0, budget: wholeBudget, weightStorage: 'float32', nbitsFeed: 'codes' };
  }
  // Codes expanded per run are held like fake quant: codes in the cache, float32 in the group.
  const w = scenario.weights;
  const streamedWeights =
    weightStorage === 'float16' ? { kind: 'float16' as const } : w.kind === 'rtn' && feed === 'float32' ? { ...w, format: 'fake' as const } : w;
  // The file's own blocks (StoredLinears) are fed the same way as RTN codes.
  const storedLinears = scenario.storedLinears ? { storedLinears: { ...scenario.storedLinears, feed } } : {};
  const layered = (group: number, cacheBytes: number) =>
    runBudget(
      spec,
      { ...scenario, ...storedLinears, weights: streamedWeights, engine: 'layer-streamed', layerGroupSize: group, layerCacheBytes: cacheBytes },
      contextTokens,
    );
  const perLayer = layered(1, 0).items.find((i) => i.key === 'group-weights')?.bytes ?? 0;
  // All layers in the cache's form (fake-quant RTN: its codes, fewer bytes than the fed float32).
  const maxUseful = layered(1, Number.MAX_SAFE_INTEGER).items.find((i) => i.key === 'layer-cache')?.bytes ?? 0;
  let group: number;
  if (choice.layerGroupSize !== undefined) group = Math.min(N, Math.max(1, Math.floor(choice.layerGroupSize)));
  else {
    group = Math.max(1, Math.min(N, Math.floor(DEFAULT_GROUP_WEIGHT_BYTES / Math.max(1, perLayer))));
    while (group > 1 && !fits(layered(group, 0))) group -= 1;
  }
  const bare = layered(group, 0);
  if (!fits(bare)) {
    const top = [...bare.items].filter((i) => i.key !== 'runtime').sort((a, b) => b.bytes - a.bytes)[0];
    throw new BudgetExceededError(
      `${choice.what} does not fit even layer-streamed (${group} layer(s) per group): needs ${formatBytes(bare.peakBytes)} at peak (${bare.peakBytes} bytes; largest item: ${top.label} ${formatBytes(top.bytes)}), available ${formatBytes(memory.budgetBytes)} (${memory.budgetBytes} bytes): ${memory.reason}`,
      bare.peakBytes,
      memory.budgetBytes,
    );
  }
  // The cache gets what the budget leaves, up to the default and to what all layers need.
  // Each cached byte also raises the slack item (runBudget's LAYERED_SLACK_SHARE; −1 for its rounding up).
  const cacheBytes = Math.max(
    0,
    Math.min(DEFAULT_LAYER_CACHE_BYTES, maxUseful, Math.floor((memory.budgetBytes - bare.peakBytes - 1) / (1 + LAYERED_SLACK_SHARE))),
  );
  return { engine: 'layer-streamed', layerGroupSize: group, layerCacheBytes: cacheBytes, budget: layered(group, cacheBytes), weightStorage, nbitsFeed: feed };
}
