/**
 * A group of consecutive decoder layers as its own ONNX graph, for the layer-streamed engine
 * (workers/engine/layeredSession.ts): `hidden` [T, hidden] in, `hidden_out` [T, hidden] out, the
 * group's taps beside it. The layers are decoderLayer.ts's emitter, the very code of the whole
 * graph, so a chain of groups computes what buildLlamaGraph computes.
 *
 * Weights are graph inputs (lib/onnx/README.md, "Layer-streamed engine", has the measurement
 * behind that choice): one session serves every group of the same layer count, weight formats,
 * taps and KV setting, and a group's weights are fed per run (`layerGroupFeeds`). Input names are
 * per slot (s0…s{n−1}), never per absolute layer; tap outputs name the absolute layer, exactly as
 * the whole graph does (q_pre_L, k_pre_L, q_post_L, k_post_L, v_L, k_kv_L, v_kv_L). A linear is fed
 * as float32, as float16 (Cast to float32 in the graph: a full-precision baseline at half the
 * bytes) or as MatMulNBits codes (`LinearFormat`).
 * `weights` given instead bakes them in as initializers (one session per group; kept for the
 * measurement that compares the two).
 */
import { assertContextWithinWindow } from '../model/errors';
import type { ModelSpec } from '../model/spec';
import {
  checkDecoderDims,
  checkLinear,
  decoderLinearShapes,
  decoderShared,
  emitDecoderLayer,
  halfSplitLayer,
  matMulNBitsAttributes,
  tapEmitter,
  type DecoderLinearSlot,
  type LayerWeightBinding,
} from './decoderLayer';
import { GraphBuilder } from './graphBuilder';
import { channelScaleDivisor, createKvCacheQuant, type GraphKvQuant } from './kvCacheQuant';
import { DEFAULT_ATTENTION_BUDGET_BYTES, initializerBinding } from './llamaGraph';
import { OnnxDataType } from './proto';
import type { DecoderLayerWeights, FedDecoderLayerWeights, FedLinearWeight } from './weights';

const SLOTS: readonly DecoderLinearSlot[] = ['q', 'k', 'v', 'o', 'gate', 'up', 'down'];

/**
 * How one linear is fed: dense float32 [out, in] (Gemm, transB), dense float16 [out, in] (Cast to
 * float32, then the same Gemm) or MatMulNBits codes.
 */
export type LinearFormat =
  { kind: 'f32'; bias: boolean } | { kind: 'f16'; bias: boolean } | { kind: 'nbits'; bits: number; blockSize: number; zeroPoints: boolean; bias: boolean };

/** The formats of one layer's seven linears (what a layer-group session's inputs are typed by). */
export type LayerSlotFormat = Record<DecoderLinearSlot, LinearFormat>;

function linearFormat(w: FedLinearWeight): LinearFormat {
  return w.kind === 'nbits'
    ? { kind: 'nbits', bits: w.bits, blockSize: w.blockSize, zeroPoints: !!w.zeroPoints, bias: !!w.bias }
    : { kind: w.kind, bias: !!w.bias };
}

/** The slot format of assembled layer weights. */
export function layerSlotFormat(lw: FedDecoderLayerWeights): LayerSlotFormat {
  return Object.fromEntries(SLOTS.map((s) => [s, linearFormat(lw[s])])) as LayerSlotFormat;
}

/** A stable string for a slot format (part of a session cache key). */
export function slotFormatKey(f: LayerSlotFormat): string {
  return SLOTS.map((s) => {
    const x = f[s];
    return `${s}:${x.kind === 'nbits' ? `nb${x.bits}b${x.blockSize}${x.zeroPoints ? 'z' : ''}` : x.kind}${x.bias ? '+b' : ''}`;
  }).join(',');
}

export interface LayerGroupGraphOptions {
  seqLen: number;
  /** Absolute index of the group's first layer (names its taps). */
  firstLayer: number;
  /** One format per layer of the group (its length is the layer count). */
  slots: LayerSlotFormat[];
  /** Absolute tap layers; those inside the group are output. */
  tapLayers?: number[];
  tapValues?: boolean;
  tapQueries?: boolean;
  /** KV fake quant; per-channel scales are inputs here (fed by layerGroupFeeds), not read from this. */
  kvQuant?: GraphKvQuant;
  /** With per-channel kvQuant: output `kv_clipped` [T], this group's saturated-element count per token position. */
  kvClipCount?: boolean;
  attentionBudgetBytes?: number;
  /** Bake these weights (the group's layers, as assembled) in as initializers instead of inputs. */
  weights?: DecoderLayerWeights[];
}

export interface LayerGroupGraph {
  modelBytes: Uint8Array;
  seqLen: number;
  firstLayer: number;
  layerCount: number;
  /** The weight inputs in declaration order (empty with baked-in weights). */
  weightInputNames: string[];
  /** 'hidden_out', then taps, then 'kv_clipped' when asked. */
  outputNames: string[];
  queryChunk: number;
}

const NORM_INPUT = { input: 'input_layernorm', post: 'post_attention_layernorm', q: 'q_norm', k: 'k_norm' } as const;
const LINEAR_INPUT = { q: 'q_proj', k: 'k_proj', v: 'v_proj', o: 'o_proj', gate: 'gate_proj', up: 'up_proj', down: 'down_proj' } as const;

/** Graph inputs of slot `prefix` (s0, s1 …): linears by format, norms [hidden] / [headDim]. */
function inputBinding(
  g: GraphBuilder,
  spec: ModelSpec,
  format: LayerSlotFormat,
  prefix: string,
  declared: string[],
  usesNBits: { value: boolean },
): LayerWeightBinding {
  const declare = (name: string, dataType: (typeof OnnxDataType)['FLOAT' | 'FLOAT16' | 'UINT8'], dims: number[]) => {
    g.inputs.push({ name, dataType, dims });
    declared.push(name);
    return name;
  };
  return {
    linear(x, slot, inFeatures, outFeatures) {
      const f = format[slot];
      const name = `${prefix}.${LINEAR_INPUT[slot]}`;
      let y: string;
      if (f.kind === 'f32') {
        // Gemm with transB reads the fed [out, in] weight as stored: no transposed copy per run.
        y = g.op('Gemm', [x, declare(`${name}.weight`, OnnxDataType.FLOAT, [outFeatures, inFeatures])], { transB: { kind: 'int', value: 1 } });
      } else if (f.kind === 'f16') {
        // Cast, not float16 arithmetic: float16 → float32 is exact, so the numbers stay the
        // float32 run's on the same (float16-exact) weights; only the fed and cached bytes halve.
        const w16 = declare(`${name}.weight`, OnnxDataType.FLOAT16, [outFeatures, inFeatures]);
        const w32 = g.op('Cast', [w16], { to: { kind: 'int', value: OnnxDataType.FLOAT } });
        y = g.op('Gemm', [x, w32], { transB: { kind: 'int', value: 1 } });
      } else {
        usesNBits.value = true;
        const kBlocks = Math.ceil(inFeatures / f.blockSize);
        const ins = [
          x,
          declare(`${name}.qweight`, OnnxDataType.UINT8, [outFeatures, kBlocks, (f.blockSize * f.bits) / 8]),
          declare(`${name}.scales`, OnnxDataType.FLOAT, [outFeatures * kBlocks]),
        ];
        if (f.zeroPoints) ins.push(declare(`${name}.qzeros`, OnnxDataType.UINT8, [outFeatures, Math.ceil((kBlocks * f.bits) / 8)]));
        y = g.op('MatMulNBits', ins, matMulNBitsAttributes(inFeatures, outFeatures, f.bits, f.blockSize), { domain: 'com.microsoft' });
      }
      if (f.bias) y = g.op('Add', [y, declare(`${name}.bias`, OnnxDataType.FLOAT, [outFeatures])]);
      return y;
    },
    norm(which) {
      const size = which === 'input' || which === 'post' ? spec.hiddenSize : spec.headDim;
      return declare(`${prefix}.${NORM_INPUT[which]}`, OnnxDataType.FLOAT, [size]);
    },
  };
}

/**
 * Builds layers firstLayer … firstLayer + slots.length − 1 of `spec` (opset 17, + com.microsoft
 * for MatMulNBits). Inputs: `hidden` float32 [T, hidden] (the residual stream entering the group),
 * `cos`/`sin` float32 [T, headDim] (as buildLlamaGraph), then the weight inputs of each slot.
 * Output `hidden_out` [T, hidden]; taps [T, heads, headDim]; `kv_clipped` [T] when asked.
 */
export function buildLayerGroupGraph(spec: ModelSpec, options: LayerGroupGraphOptions): LayerGroupGraph {
  const { seqLen, firstLayer, slots } = options;
  const { hiddenSize, numKvHeads, headDim } = spec;
  checkDecoderDims(spec, seqLen);
  assertContextWithinWindow(spec, seqLen);
  const count = slots.length;
  if (count < 1 || !Number.isInteger(firstLayer) || firstLayer < 0 || firstLayer + count > spec.numLayers) {
    throw new Error(`layer group ${firstLayer}…${firstLayer + count - 1} outside 0…${spec.numLayers - 1}`);
  }
  if (options.weights && options.weights.length !== count) throw new Error(`${options.weights.length} layers of weights for a group of ${count}`);
  const kv = options.kvQuant;
  const g = new GraphBuilder();
  g.inputs.push({ name: 'hidden', dataType: OnnxDataType.FLOAT, dims: [seqLen, hiddenSize] });
  g.inputs.push({ name: 'cos', dataType: OnnxDataType.FLOAT, dims: [seqLen, headDim] });
  g.inputs.push({ name: 'sin', dataType: OnnxDataType.FLOAT, dims: [seqLen, headDim] });
  const shared = decoderShared(g, spec, seqLen, options.attentionBudgetBytes ?? DEFAULT_ATTENTION_BUDGET_BYTES);
  const declared: string[] = [];
  const channelTensors =
    kv?.granularity === 'channel' && !options.weights
      ? (which: 'k' | 'v', slot: number) => {
          const dims = [numKvHeads, headDim];
          const scale = `s${slot}.kv.${which}_scale`;
          const divisor = `s${slot}.kv.${which}_divisor`;
          g.inputs.push({ name: scale, dataType: OnnxDataType.FLOAT, dims }, { name: divisor, dataType: OnnxDataType.FLOAT, dims });
          declared.push(scale, divisor);
          return { scale, divisor };
        }
      : undefined;
  // Baked-in per-channel scales are indexed by absolute layer, as in the whole graph.
  const kvCache = createKvCacheQuant(g, kv, { numKvHeads, headDim }, options.kvClipCount === true, channelTensors);
  const tapOutputs: string[] = [];
  const tap = tapEmitter(g, seqLen, headDim, tapOutputs);
  const tapSet = new Set(options.tapLayers ?? []);
  const usesNBits = { value: false };
  let x = 'hidden';
  for (let j = 0; j < count; j++) {
    const layer = firstLayer + j;
    const binding = options.weights
      ? initializerBinding(g, spec, halfSplitLayer(spec, options.weights[j]), `layers.${layer}`, usesNBits)
      : inputBinding(g, spec, slots[j], `s${j}`, declared, usesNBits);
    const at = { kvLayer: channelTensors ? j : layer, tapLayer: layer };
    x = emitDecoderLayer(
      g,
      spec,
      shared,
      { quant: kv, cache: kvCache },
      x,
      binding,
      at,
      { tapped: tapSet.has(layer), tapQueries: options.tapQueries !== false, tapValues: options.tapValues === true },
      tap,
    );
  }
  g.op('Identity', [x], undefined, { output: 'hidden_out' });
  g.outputs.unshift({ name: 'hidden_out', dataType: OnnxDataType.FLOAT, dims: [seqLen, hiddenSize] });
  const outputNames = ['hidden_out', ...tapOutputs];
  const clipped = kvCache.clippedTotal();
  if (clipped !== null) {
    g.op('Identity', [clipped], undefined, { output: 'kv_clipped' });
    g.outputs.push({ name: 'kv_clipped', dataType: OnnxDataType.FLOAT, dims: [seqLen] });
    outputNames.push('kv_clipped');
  }
  const opsets = [{ domain: '', version: 17 }];
  if (usesNBits.value) opsets.push({ domain: 'com.microsoft', version: 1 });
  return { modelBytes: g.encode(opsets), seqLen, firstLayer, layerCount: count, weightInputNames: declared, outputNames, queryChunk: shared.queryChunk };
}

/** A weight fed to a layer-group session: float32, float16 (bit patterns) or uint8 (MatMulNBits codes), row-major. */
export type WeightFeed =
  | { name: string; type: 'float32'; data: Float32Array; dims: number[] }
  | { name: string; type: 'float16'; data: Uint16Array; dims: number[] }
  | { name: string; type: 'uint8'; data: Uint8Array; dims: number[] };

/**
 * The weight inputs of a layer-group graph for `layers` (assembled weights of layers firstLayer …,
 * any row order: interleaved q/k rows are permuted here exactly as the whole graph permutes them).
 * Arrays are the assembled ones (views, no copy) except permuted rows and KV divisors.
 * Per-channel `kvQuant` needs `channelScales` for every layer of the group.
 */
export function layerGroupFeeds(spec: ModelSpec, firstLayer: number, layers: FedDecoderLayerWeights[], kvQuant?: GraphKvQuant): WeightFeed[] {
  const shapes = decoderLinearShapes(spec);
  const feeds: WeightFeed[] = [];
  const f32 = (name: string, data: Float32Array, dims: number[]) => feeds.push({ name, type: 'float32', data, dims });
  layers.forEach((raw, j) => {
    const lw = halfSplitLayer(spec, raw);
    const p = `s${j}`;
    const norm = (which: keyof typeof NORM_INPUT, w: Float32Array | undefined, size: number) => {
      if (!w) throw new Error(`layer ${firstLayer + j}: spec.qkNorm is set but the layer has no ${NORM_INPUT[which]} weight`);
      if (w.length !== size) throw new Error(`layer ${firstLayer + j} ${NORM_INPUT[which]}: ${w.length} values, expected [${size}]`);
      f32(`${p}.${NORM_INPUT[which]}`, w, [size]);
    };
    // Same order as the graph declares them: norms and linears as the emitter asks for them.
    norm('input', lw.inputNorm, spec.hiddenSize);
    for (const slot of SLOTS) {
      const [out, inF] = shapes[slot];
      const w = lw[slot];
      const name = `${p}.${LINEAR_INPUT[slot]}`;
      checkLinear(w, `layer ${firstLayer + j} ${LINEAR_INPUT[slot]}`, inF, out);
      if (w.kind === 'f32') f32(`${name}.weight`, w.weight, [out, inF]);
      else if (w.kind === 'f16') feeds.push({ name: `${name}.weight`, type: 'float16', data: w.weight, dims: [out, inF] });
      else {
        const kBlocks = Math.ceil(inF / w.blockSize);
        feeds.push({ name: `${name}.qweight`, type: 'uint8', data: w.packed, dims: [out, kBlocks, (w.blockSize * w.bits) / 8] });
        f32(`${name}.scales`, w.scales, [out * kBlocks]);
        if (w.zeroPoints) feeds.push({ name: `${name}.qzeros`, type: 'uint8', data: w.zeroPoints, dims: [out, Math.ceil((kBlocks * w.bits) / 8)] });
      }
      if (w.bias) f32(`${name}.bias`, w.bias, [out]);
      if (slot === 'k' && spec.qkNorm) {
        norm('q', lw.qNorm, spec.headDim);
        norm('k', lw.kNorm, spec.headDim);
      }
    }
    norm('post', lw.postAttentionNorm, spec.hiddenSize);
    if (kvQuant?.granularity === 'channel') {
      for (const which of ['k', 'v'] as const) {
        if (kvQuant.target !== 'kv' && kvQuant.target !== which) continue;
        const given = kvQuant.channelScales?.[which]?.[firstLayer + j];
        const size = spec.numKvHeads * spec.headDim;
        if (!given || given.length !== size)
          throw new Error(
            `kvQuant channel: ${which} scales of layer ${firstLayer + j} need [${spec.numKvHeads}, ${spec.headDim}], got ${given ? given.length : 'none'}`,
          );
        f32(`${p}.kv.${which}_scale`, given, [spec.numKvHeads, spec.headDim]);
        f32(`${p}.kv.${which}_divisor`, channelScaleDivisor(given), [spec.numKvHeads, spec.headDim]);
      }
    }
  });
  return feeds;
}
