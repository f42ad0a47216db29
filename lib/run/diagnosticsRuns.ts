/**
 * The engine runs behind the diagnostics (SPEC §4), sequenced over an injected engine opener so
 * the browser worker and a Node runner run the same science (cf. cli/commands/diagnose.ts):
 * full precision at L′ (taps + logits), full precision at the short context ≤ L (taps), and the
 * quantized model at L′ (taps + logits), and — when Q-ROAR scales are applied — the quantized
 * model with those scales at L′ (taps + logits), and — for the noise floor — the FP model with
 * float16-rounded weights at L′ (taps + logits), all under the same PI, on the first tokens of the text.
 */
import type { NllEngine, NllEngineOutput } from '../eval/engine';
import { graphRopeInputs } from '../eval/ropeInputs';
import type { RopeConfig } from '../rope/types';
import type { TapSet } from './diagnosticsCompute';

/** 'fp16': the FP model with every weight rounded to float16 (the noise floor, lib/run/weightsF16). */
export type DiagnosticsVariant = 'fp' | 'ptq' | 'ptq+qroar' | 'fp16';

export interface DiagnosticsRunRequest {
  /** The PI rope (lib/run/pressure scenarioRope); both variants use it. */
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
  /** Also run the FP model with float16-rounded weights at L′ (taps + logits), the noise floor (needs `quantized`: it is drawn beside the quantized error). */
  noiseFloor?: boolean;
  /** Opens a graph of T = seqLen tokens tapping every layer; `logits` adds the logits output. */
  openEngine: (variant: DiagnosticsVariant, seqLen: number, logits: boolean) => Promise<NllEngine>;
  onProgress?: (fraction: number, message: string) => void;
}

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
  /** FP with float16 weights at L′ (taps, logits), when asked. */
  longFp16: TapSet | null;
  fp16Logits: Float32Array | null;
  device: string;
}

async function runOnce(req: DiagnosticsRunRequest, variant: DiagnosticsVariant, seqLen: number, logits: boolean): Promise<{ out: NllEngineOutput; device: string }> {
  const engine = await req.openEngine(variant, seqLen, logits);
  try {
    const { cos, sin } = graphRopeInputs(req.rope, seqLen);
    const out = await engine.run({ ids: req.tokens.slice(0, seqLen), cos, sin });
    if (!out.taps || Object.keys(out.taps).length === 0) throw new Error(`the ${variant} run at ${seqLen} tokens returned no taps; the graph must be built with tapLayers`);
    if (logits && !out.logits) throw new Error(`the ${variant} run at ${seqLen} tokens returned no logits; the graph must be built with logits`);
    return { out, device: engine.device };
  } finally {
    await engine.dispose();
  }
}

/** See module doc. Throws when the text is shorter than L′ or the contexts are inconsistent. */
export async function runDiagnosticsWindows(req: DiagnosticsRunRequest): Promise<DiagnosticsRuns> {
  const { longTokens, shortTokens } = req;
  if (!(Number.isInteger(shortTokens) && shortTokens >= 2 && shortTokens <= longTokens)) throw new Error(`diagnostics: need 2 ≤ short context ${shortTokens} ≤ long context ${longTokens}`);
  if (req.tokens.length < longTokens) throw new Error(`diagnostics: the text has ${req.tokens.length} tokens, fewer than the long context ${longTokens}; use a longer text or a shorter target context`);
  const withQroar = req.quantized && req.qroar === true;
  const withFloor = req.quantized && req.noiseFloor === true;
  const steps = (req.quantized ? 3 : 2) + (withQroar ? 1 : 0) + (withFloor ? 1 : 0);
  req.onProgress?.(0, `full precision at ${longTokens} tokens`);
  const longFp = await runOnce(req, 'fp', longTokens, req.quantized);
  req.onProgress?.(1 / steps, `full precision at ${shortTokens} tokens`);
  const shortFp = await runOnce(req, 'fp', shortTokens, false);
  let longQuant: Awaited<ReturnType<typeof runOnce>> | null = null;
  if (req.quantized) {
    req.onProgress?.(2 / steps, `quantized at ${longTokens} tokens`);
    longQuant = await runOnce(req, 'ptq', longTokens, true);
  }
  let longQroar: Awaited<ReturnType<typeof runOnce>> | null = null;
  if (withQroar) {
    req.onProgress?.(3 / steps, `quantized + Q-ROAR at ${longTokens} tokens`);
    longQroar = await runOnce(req, 'ptq+qroar', longTokens, true);
  }
  let longFp16: Awaited<ReturnType<typeof runOnce>> | null = null;
  if (withFloor) {
    req.onProgress?.((steps - 1) / steps, `noise floor: full precision with float16 weights at ${longTokens} tokens`);
    longFp16 = await runOnce(req, 'fp16', longTokens, true);
  }
  req.onProgress?.(1, 'runs done');
  return {
    longFp: longFp.out.taps as TapSet,
    shortFp: shortFp.out.taps as TapSet,
    longQuant: (longQuant?.out.taps as TapSet | undefined) ?? null,
    fpLogits: req.quantized ? (longFp.out.logits ?? null) : null,
    quantLogits: longQuant?.out.logits ?? null,
    longQroar: (longQroar?.out.taps as TapSet | undefined) ?? null,
    qroarLogits: longQroar?.out.logits ?? null,
    longFp16: (longFp16?.out.taps as TapSet | undefined) ?? null,
    fp16Logits: longFp16?.out.logits ?? null,
    device: longFp.device,
  };
}
