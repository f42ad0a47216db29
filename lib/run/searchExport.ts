/**
 * What the dashboard's Q-ROAR downloads hold (same as `bandscope search --out`): the patched
 * full-precision q_proj/k_proj (and biases) of every layer in the model's own row order, and the
 * versioned scales JSON (lib/export).
 */
import type { SafetensorsTensorF32 } from '../export/safetensorsWriter';
import { customBandSpec, QROAR_SCALES_FORMAT, QROAR_SCALES_VERSION, type QroarScalesFile } from '../export/scalesJson';
import type { ModelSpec } from '../model/spec';
import { decoderLinearNames } from '../onnx/weights';
import type { EdgeHit } from '../qroar/gridEdge';
import type { NoiseSettings } from '../qroar/noise';
import type { ContextPenalty } from '../qroar/penalty';
import { qroarFactors, qroarPreQuantHook, type QroarSetting } from './weights';

/**
 * Scaled W_Q [numHeads·headDim, hidden] and W_K [numKvHeads·headDim, hidden] (+ biases) of every
 * layer, HF names, float32, rows as stored (GGUF interleaved rows stay interleaved: the factors
 * follow spec.pairLayout). `tensorF32` reads one tensor by HF name.
 */
export async function patchedQkTensors(spec: ModelSpec, tensorF32: (hfName: string) => Promise<Float32Array>, qroar: QroarSetting): Promise<SafetensorsTensorF32[]> {
  const hook = qroarPreQuantHook(qroarFactors(spec, qroar));
  const tensors: SafetensorsTensorF32[] = [];
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
    scales: Array.from(args.qroar.scales),
    model: { name: args.modelName, hashes: { 'bandscope-dashboard-config-v1': args.modelIdentity } },
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
      ? { contextTokens: last.contextTokens, windows: last.windows, relativeChange: last.penaltyRelativeChange, relativeChangeStdError: last.penaltyRelativeChangeStdError, withinNoise: last.withinNoise }
      : null,
  };
}
