/**
 * The engine runs behind the diagnostics (SPEC §4), sequenced over an injected engine opener so
 * the browser worker and a Node runner run the same science (cf. cli/commands/diagnose.ts):
 * full precision at L′ (taps + logits), full precision at the short context ≤ L (taps), and the
 * quantized model at L′ (taps + logits), and — when Q-ROAR scales are applied — the quantized
 * model with those scales at L′ (taps + logits), and — for the noise floor — the FP model on
 * WASM when the rest ran on WebGPU, else with float16-rounded weights, at L′ (taps + logits); all
 * under the same PI, on the first tokens of the text.
 */
import type { NllEngine, NllEngineOutput } from '../eval/engine';
import { graphRopeInputs } from '../eval/ropeInputs';
import type { RopeConfig } from '../rope/types';
import type { NoiseFloorSource } from '../charts/types';
import type { TapSet } from './diagnosticsCompute';

/**
 * The noise floor's run: 'fp16' = the FP model with every weight rounded to float16
 * (lib/scenario/weightsF16); 'fp-wasm' = the FP model on the WASM backend, when the others ran on WebGPU.
 */
export type DiagnosticsVariant = 'fp' | 'ptq' | 'ptq+qroar' | 'fp16' | 'fp-wasm';

/**
 * Which run the noise floor compares against the FP run at L′ (SPEC noise floor): another
 * backend when there is one to compare (the FP run was on WebGPU, so WASM is the second), else
 * another weight precision (float16) on the same backend.
 */
export function noiseFloorPlan(fpDevice: string): { variant: 'fp-wasm' | 'fp16'; source: NoiseFloorSource } {
  return /webgpu/i.test(fpDevice) ? { variant: 'fp-wasm', source: 'backend' } : { variant: 'fp16', source: 'precision' };
}

export interface DiagnosticsRunRequest {
  /** The PI rope (lib/scenario/pressure scenarioRope); both variants use it. */
  rope: RopeConfig;
  /** Token ids of the text, Int32Array[n], n ≥ longTokens. */
  tokens: Int32Array;
  /** L′ in tokens. */
  longTokens: number;
  /** Short full-precision run in tokens (≤ trained window, ≤ L′). */
  shortTokens: number;
  /** Whether to run the quantized model (weights and/or KV cache). */
  quantized: boolean;
  /** Also run the quantized model with the applied Q-ROAR scales at L′ (needs `quantized`). */
  qroar?: boolean;
  /** Also run the noise floor's FP run at L′ (taps + logits; noiseFloorPlan says which), needs `quantized`: it is drawn beside the quantized error. */
  noiseFloor?: boolean;
  /** Opens a graph of T = seqLen tokens tapping every layer; `logits` adds the logits output. */
  openEngine: (variant: DiagnosticsVariant, seqLen: number, logits: boolean) => Promise<NllEngine>;
  onProgress?: (fraction: number, message: string) => void;
  /**
   * Called after each run from the short FP run on (nothing can start on the long FP run alone),
   * with every run so far, before the next run is asked for: a staged analysis
   * (lib/scenario/diagnosticsJob runDiagnosticsStaged) starts on them.
   */
  onRun?: (run: DiagnosticsRunName, soFar: DiagnosticsRuns) => void;
}

/** The runs of the diagnostics after the first, by the DiagnosticsRuns field their taps land in. */
export type DiagnosticsRunName = 'shortFp' | 'longQuant' | 'longQroar' | 'longFloor';

export interface DiagnosticsRuns {
  longFp: TapSet;
  shortFp: TapSet;
  longQuant: TapSet | null;
  /** float32 [longTokens, vocab]. */
  fpLogits: Float32Array | null;
  quantLogits: Float32Array | null;
  /** Quantized + Q-ROAR at L′ (taps, logits), when asked. */
  longQroar: TapSet | null;
  qroarLogits: Float32Array | null;
  /** The noise floor's FP run at L′ (taps, logits), when asked, and what it is. */
  longFloor: TapSet | null;
  floorLogits: Float32Array | null;
  floorSource: NoiseFloorSource | null;
  device: string;
}

async function runOnce(
  req: DiagnosticsRunRequest,
  variant: DiagnosticsVariant,
  seqLen: number,
  logits: boolean,
): Promise<{ out: NllEngineOutput; device: string }> {
  const engine = await req.openEngine(variant, seqLen, logits);
  try {
    const { cos, sin } = graphRopeInputs(req.rope, seqLen);
    const out = await engine.run({ ids: req.tokens.slice(0, seqLen), cos, sin });
    if (!out.taps || Object.keys(out.taps).length === 0)
      throw new Error(`the ${variant} run at ${seqLen} tokens returned no taps; the graph must be built with tapLayers`);
    if (logits && !out.logits) throw new Error(`the ${variant} run at ${seqLen} tokens returned no logits; the graph must be built with logits`);
    return { out, device: engine.device };
  } finally {
    await engine.dispose();
  }
}

/** See module doc. Throws when the text is shorter than L′ or the contexts are inconsistent. */
export async function runDiagnosticsWindows(req: DiagnosticsRunRequest): Promise<DiagnosticsRuns> {
  const { longTokens, shortTokens } = req;
  if (!(Number.isInteger(shortTokens) && shortTokens >= 2 && shortTokens <= longTokens))
    throw new Error(`diagnostics: need 2 ≤ short context ${shortTokens} ≤ long context ${longTokens}`);
  if (req.tokens.length < longTokens)
    throw new Error(
      `diagnostics: the text has ${req.tokens.length} tokens, fewer than the long context ${longTokens}; use a longer text or a shorter target context`,
    );
  const withQroar = req.quantized && req.qroar === true;
  const withFloor = req.quantized && req.noiseFloor === true;
  const steps = (req.quantized ? 3 : 2) + (withQroar ? 1 : 0) + (withFloor ? 1 : 0);
  type Run = Awaited<ReturnType<typeof runOnce>>;
  let shortFp: Run | null = null;
  let longQuant: Run | null = null;
  let longQroar: Run | null = null;
  let longFloor: Run | null = null;
  req.onProgress?.(0, `full precision at ${longTokens} tokens`);
  const longFp = await runOnce(req, 'fp', longTokens, req.quantized);
  const floor = noiseFloorPlan(longFp.device);
  const taps = (run: Run | null) => (run?.out.taps as TapSet | undefined) ?? null;
  const runsSoFar = (): DiagnosticsRuns => ({
    longFp: longFp.out.taps as TapSet,
    shortFp: taps(shortFp) ?? {},
    longQuant: taps(longQuant),
    fpLogits: req.quantized ? (longFp.out.logits ?? null) : null,
    quantLogits: longQuant?.out.logits ?? null,
    longQroar: taps(longQroar),
    qroarLogits: longQroar?.out.logits ?? null,
    longFloor: taps(longFloor),
    floorLogits: longFloor?.out.logits ?? null,
    floorSource: longFloor ? floor.source : null,
    device: longFp.device,
  });
  req.onProgress?.(1 / steps, `full precision at ${shortTokens} tokens`);
  shortFp = await runOnce(req, 'fp', shortTokens, false);
  req.onRun?.('shortFp', runsSoFar());
  if (req.quantized) {
    req.onProgress?.(2 / steps, `quantized at ${longTokens} tokens`);
    longQuant = await runOnce(req, 'ptq', longTokens, true);
    req.onRun?.('longQuant', runsSoFar());
  }
  if (withQroar) {
    req.onProgress?.(3 / steps, `quantized + Q-ROAR at ${longTokens} tokens`);
    longQroar = await runOnce(req, 'ptq+qroar', longTokens, true);
    req.onRun?.('longQroar', runsSoFar());
  }
  if (withFloor) {
    req.onProgress?.(
      (steps - 1) / steps,
      `noise floor: full precision ${floor.source === 'backend' ? 'on WASM' : 'with float16 weights'} at ${longTokens} tokens`,
    );
    longFloor = await runOnce(req, floor.variant, longTokens, true);
    req.onRun?.('longFloor', runsSoFar());
  }
  req.onProgress?.(1, 'runs done');
  return runsSoFar();
}

export type ProxyRunRequest = Pick<DiagnosticsRunRequest, 'rope' | 'tokens' | 'longTokens' | 'openEngine' | 'onProgress'>;

/**
 * The two runs the Q-ROAR slider proxy is set up from (lib/scenario/diagnosticsProxy): the FP and the
 * quantized model at L′ on the first tokens of `tokens` (the dev text: the sliders tune, so they
 * never read the held-out text), taps + logits — the very graphs the diagnostics open, so the
 * sessions are shared.
 */
export async function runProxyWindows(req: ProxyRunRequest): Promise<{ longFp: TapSet; longQuant: TapSet; device: string }> {
  if (req.tokens.length < req.longTokens)
    throw new Error(`slider proxy: the dev text has ${req.tokens.length} tokens, fewer than the long context ${req.longTokens}`);
  const full: DiagnosticsRunRequest = { ...req, shortTokens: req.longTokens, quantized: true };
  req.onProgress?.(0, `full precision at ${req.longTokens} tokens`);
  const fp = await runOnce(full, 'fp', req.longTokens, true);
  req.onProgress?.(0.5, `quantized at ${req.longTokens} tokens`);
  const quant = await runOnce(full, 'ptq', req.longTokens, true);
  req.onProgress?.(1, 'runs done');
  return { longFp: fp.out.taps as TapSet, longQuant: quant.out.taps as TapSet, device: fp.device };
}
