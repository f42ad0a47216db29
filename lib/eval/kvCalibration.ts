/**
 * Per-channel KV-cache calibration, one step of the experiment (SPEC §3: "calibrated on a short
 * context (≤ L) and then used at long context"). The CLI (onnxruntime-node) and the dashboard
 * (engine worker) both call `calibrateKvChannelScales` with their own engine opener, so both get
 * the same scales from the same tokens.
 */
import { calibrateKvPerChannel } from '../quant/kvcache';
import { KvSettingError } from '../quant/kvErrors';
import { hadamardRotateRows } from '../quant/hadamard';
import type { KvQuantSpec } from '../quant/kvSpec';
import type { RopeConfig } from '../rope/types';
import type { NllEngine } from './engine';
import { graphRopeInputs } from './ropeInputs';

/** The calibration rule in words, for the CLI help and the dashboard caption. */
export const KV_CALIBRATION_DEFINITION =
  'Per-channel KV scales are calibrated once on the first S tokens of the evaluated text (S = the calibration context, at most the trained window L; default L): ' +
  'the same model (same quantized weights, Q-ROAR scales and RoPE/PI at length S) runs those tokens once with a float KV cache, and per layer, KV head and channel ' +
  's = max over the S tokens of |key| (pre- or post-RoPE as chosen; in the rotated basis when Hadamard is on) or |value|, divided by qmax (127 or 7). ' +
  'Every longer run then uses these fixed scales; values beyond them saturate at ±qmax·s and are counted as clipped.';

/** Per layer, float32 [numKvHeads, headDim]: what lib/onnx GraphKvQuant.channelScales takes. */
export interface KvChannelScales {
  k?: Float32Array[];
  v?: Float32Array[];
}

/** The graph a calibration run needs: every layer's k (pre and post RoPE) and v tapped, no q taps, no KV quant. */
export interface KvCalibrationGraph {
  seqLen: number;
  tapLayers: number[];
  tapValues: true;
  tapQueries: false;
}

export interface KvCalibrationRequest {
  /** The KV spec being calibrated (granularity 'channel'). */
  kv: KvQuantSpec;
  /** The evaluated text's token stream, Int32Array[n]; tokens [0, calibrationTokens) are used. */
  tokens: Int32Array;
  /** S, the calibration context in tokens: 2 ≤ S ≤ trainedWindowTokens and S ≤ n. */
  calibrationTokens: number;
  /** L, the trained window in force (tokens). */
  trainedWindowTokens: number;
  /** The run's RoPE (with PI); cos/sin are built for length S, so dynamic NTK uses its short base. */
  rope: RopeConfig;
  dims: { numLayers: number; numKvHeads: number; headDim: number };
  /** Builds the same model as the long runs, without KV quant, with these taps. Disposed here. */
  openEngine: (graph: KvCalibrationGraph) => Promise<NllEngine>;
}

/** Checks S against L and the text; a user-facing KvSettingError with the numbers otherwise. */
export function checkKvCalibrationTokens(calibrationTokens: number, trainedWindowTokens: number, textTokens: number): void {
  if (!Number.isInteger(calibrationTokens) || calibrationTokens < 2)
    throw new KvSettingError(`the KV calibration context must be an integer ≥ 2 tokens, got ${calibrationTokens}`);
  if (calibrationTokens > trainedWindowTokens) {
    throw new KvSettingError(
      `the KV calibration context ${calibrationTokens} exceeds the trained window ${trainedWindowTokens}: per-channel scales are calibrated on a short context (≤ L)`,
    );
  }
  if (calibrationTokens > textTokens) throw new KvSettingError(`the KV calibration context needs ${calibrationTokens} tokens, the text has ${textTokens}`);
}

/**
 * Runs the calibration: one forward pass over tokens [0, S) and `calibrateKvPerChannel` on each
 * layer's chosen tap ([S, numKvHeads, headDim], Hadamard-rotated per head first when kv.hadamard).
 * Output: scales only for the caches kv.target quantizes, per layer float32 [numKvHeads, headDim].
 */
export async function calibrateKvChannelScales(req: KvCalibrationRequest): Promise<KvChannelScales> {
  const { kv, tokens, calibrationTokens: S, dims } = req;
  if (kv.granularity !== 'channel') throw new Error(`calibrateKvChannelScales: spec granularity is '${kv.granularity}', only 'channel' is calibrated`);
  checkKvCalibrationTokens(S, req.trainedWindowTokens, tokens.length);
  const { numLayers, numKvHeads, headDim } = dims;
  const layers = Array.from({ length: numLayers }, (_, l) => l);
  const engine = await req.openEngine({ seqLen: S, tapLayers: layers, tapValues: true, tapQueries: false });
  let taps: Record<string, Float32Array>;
  try {
    const { cos, sin } = graphRopeInputs(req.rope, S);
    const out = await engine.run({ ids: tokens.subarray(0, S), cos, sin });
    if (!out.taps) throw new Error('calibration engine returned no taps; build it with the KvCalibrationGraph taps');
    taps = out.taps;
  } finally {
    await engine.dispose();
  }
  const tapDims = { tokens: S, heads: numKvHeads, headDim };
  const scalesOf = (prefix: string): Float32Array[] =>
    layers.map((l) => {
      const x = taps[`${prefix}_${l}`];
      if (!x || x.length !== S * numKvHeads * headDim)
        throw new Error(`calibration tap ${prefix}_${l}: expected [${S}, ${numKvHeads}, ${headDim}], got ${x ? x.length : 'none'} values`);
      return calibrateKvPerChannel(kv.hadamard ? hadamardRotateRows(x, headDim) : x, tapDims, kv.bits);
    });
  const out: KvChannelScales = {};
  if (kv.target !== 'v') out.k = scalesOf(kv.keyRope === 'pre' ? 'k_pre' : 'k_post');
  if (kv.target !== 'k') out.v = scalesOf('v');
  return out;
}
