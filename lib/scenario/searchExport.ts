/**
 * What the dashboard's Q-ROAR downloads hold (same as `bandscope search --out`): the patched
 * full-precision q_proj/k_proj (and biases) of every layer in the model's own row order — or, for a
 * model with per-head q/k norms (Qwen3), the patched q_norm/k_norm weights — and the
 * versioned scales JSON (lib/export).
 */
import type { SafetensorsTensorF32 } from '../export/safetensorsWriter';
import { customBandSpec, QROAR_SCALES_FORMAT, QROAR_SCALES_VERSION, type QroarScalesFile } from '../export/scalesJson';
import type { ModelSpec } from '../model/spec';
import { MODEL_IDENTITY_SCHEME } from '../model/open';
import { decoderLinearNames } from '../onnx/weights';
import type { EdgeHit } from '../qroar/gridEdge';
import type { NoiseSettings } from '../qroar/noise';
import type { ContextPenalty } from '../qroar/penalty';
import { isPerLayerScales, qroarAssembleHooks, qroarFactorsByLayer, qroarPreQuantHook, type QroarSetting } from './weights';

/**
 * Scaled W_Q [numHeads·headDim, hidden] and W_K [numKvHeads·headDim, hidden] (+ biases) of every
 * layer — on spec.qkNorm models, scaled q_norm/k_norm.weight [headDim] instead; on Phi-3, the fused
 * qkv_proj.weight [(heads + 2·kvHeads)·headDim, hidden] with its q/k rows scaled — HF names, float32, rows as stored (GGUF interleaved rows stay interleaved: the factors
 * follow spec.pairLayout). `tensorF32` reads one tensor by HF name.
 */
export async function patchedQkTensors(
  spec: ModelSpec,
  tensorF32: (hfName: string) => Promise<Float32Array>,
  qroar: QroarSetting,
): Promise<SafetensorsTensorF32[]> {
  const factorsOf = qroarFactorsByLayer(spec, qroar);
  const tensors: SafetensorsTensorF32[] = [];
  if (spec.qkNorm) {
    // A per-head q/k norm would undo scaled W_Q/W_K rows: the scales live in the norm weights.
    const { qkNormTransform } = qroarAssembleHooks(spec, factorsOf);
    for (let l = 0; l < spec.numLayers; l++) {
      for (const which of ['q', 'k'] as const) {
        const name = `model.layers.${l}.self_attn.${which}_norm.weight`;
        const weight = await tensorF32(name);
        if (weight.length !== spec.headDim) throw new Error(`${name} has ${weight.length} values, expected [${spec.headDim}]`);
        tensors.push({ name, shape: [spec.headDim], data: qkNormTransform!(l, which, weight) });
      }
    }
    return tensors;
  }
  const hook: ReturnType<typeof qroarPreQuantHook> = (layer, key, weight, bias) => qroarPreQuantHook(factorsOf(layer))(layer, key, weight, bias);
  if (spec.architecture === 'phi3') {
    // Phi-3 files (HF and GGUF) hold q/k/v as one fused qkv_proj: patch its q and k rows, keep v,
    // so the exported tensor replaces the file's own.
    const qRows = spec.numHeads * spec.headDim;
    const kRows = spec.numKvHeads * spec.headDim;
    const h = spec.hiddenSize;
    for (let l = 0; l < spec.numLayers; l++) {
      const name = `model.layers.${l}.self_attn.qkv_proj.weight`;
      const fused = (await tensorF32(name)).slice();
      if (fused.length !== (qRows + 2 * kRows) * h) throw new Error(`${name} has ${fused.length} values, expected [${qRows + 2 * kRows}, ${h}]`);
      fused.set(hook(l, 'q', fused.slice(0, qRows * h)).weight, 0);
      fused.set(hook(l, 'k', fused.slice(qRows * h, (qRows + kRows) * h)).weight, qRows * h);
      tensors.push({ name, shape: [qRows + 2 * kRows, h], data: fused });
    }
    return tensors;
  }
  for (let l = 0; l < spec.numLayers; l++) {
    const names = decoderLinearNames(l);
    for (const key of ['q', 'k'] as const) {
      const rows = (key === 'q' ? spec.numHeads : spec.numKvHeads) * spec.headDim;
      const weight = await tensorF32(`${names[key]}.weight`);
      if (weight.length !== rows * spec.hiddenSize) throw new Error(`${names[key]}.weight has ${weight.length} values, expected [${rows}, ${spec.hiddenSize}]`);
      const bias = spec.attentionBias ? await tensorF32(`${names[key]}.bias`) : undefined;
      const patched = hook(l, key, weight, bias);
      tensors.push({ name: `${names[key]}.weight`, shape: [rows, spec.hiddenSize], data: patched.weight });
      if (patched.bias) tensors.push({ name: `${names[key]}.bias`, shape: [rows], data: patched.bias });
    }
  }
  return tensors;
}

/** The scales file of a search result (global scales, one per band). */
export function scalesFileOf(args: {
  spec: ModelSpec;
  qroar: QroarSetting;
  bandSource: string;
  modelName: string;
  modelIdentity: string;
  settings: Record<string, unknown>;
}): QroarScalesFile {
  return {
    format: QROAR_SCALES_FORMAT,
    version: QROAR_SCALES_VERSION,
    variant: args.qroar.variant,
    rotaryDim: args.spec.rope.rotaryDim,
    pairLayout: args.spec.pairLayout,
    bands: customBandSpec(args.qroar.bands),
    bandSource: args.bandSource,
    scales: isPerLayerScales(args.qroar.scales) ? args.qroar.scales.map((row) => Array.from(row)) : Array.from(args.qroar.scales),
    model: { name: args.modelName, hashes: { [MODEL_IDENTITY_SCHEME]: args.modelIdentity } },
    settings: args.settings,
  };
}

/**
 * What a scales file says about how the scales were chosen (issue #13), so a reader does not take
 * g = 1 ties or an edge-limited search for a finding: the noise rule, the no-op reason, the edge
 * hits and the penalty's relative change at the longest context.
 */
export function scalesOutcomeSettings(run: {
  noise?: NoiseSettings;
  noOpReason?: string | null;
  edgeHits?: EdgeHit[];
  penalty?: ContextPenalty[] | null;
}): Record<string, unknown> {
  const last = run.penalty && run.penalty.length > 0 ? run.penalty[run.penalty.length - 1] : null;
  return {
    noise: run.noise ?? null,
    noOpReason: run.noOpReason ?? null,
    edgeHits: run.edgeHits ?? null,
    penaltyAtContext: last
      ? {
          contextTokens: last.contextTokens,
          windows: last.windows,
          relativeChange: last.penaltyRelativeChange,
          relativeChangeStdError: last.penaltyRelativeChangeStdError,
          withinNoise: last.withinNoise,
        }
      : null,
  };
}
