/**
 * Taps → the SPEC §4 diagnostic chart data (TIR per layer × band and per pair, logit error by
 * distance and by query position, KL per position, and their noise floor: FP on another backend or with float16 weights
 * against FP). Pure; the analysis worker runs it so the
 * page never blocks. Mirrors cli/commands/diagnose.ts: long and short full-precision runs under
 * the same PI for TIR; quantized vs full precision at L′, same PI, for logit error and KL.
 */
import type { ActivationIpData, ChartBand, KlData, LogitErrorData, NoiseFloorSource, TapTensor, TirData } from '../charts/types';
import { activationPressure } from '../diagnostics/activationPressure';
import { klDivergenceRows } from '../diagnostics/kl';
import { linearEdges, logitError, octaveEdges, type LogitErrorBin } from '../diagnostics/logitError';
import { pairSampler } from '../diagnostics/pairSampler';
import { tailInflationRatio, tailInflationRatioPerPair } from '../diagnostics/tir';
import type { PairLayout } from '../rope/types';
import { stackLayersAsHeads } from './stackHeads';

/** Tap outputs of one run by graph output name (q_pre_L, …), float32 [tokens, heads, headDim]. */
export type TapSet = Record<string, Float32Array>;

export interface DiagnosticsGeometry {
  heads: number;
  kvHeads: number;
  headDim: number;
  rotaryDim: number;
  /** Layout of the tapped tensors (the graph always taps half-split). */
  layout: PairLayout;
  /** Tapped decoder layers, ascending. */
  layers: number[];
  bands: ChartBand[];
  trainedWindowTokens: number;
}

export interface DiagnosticsInput {
  geometry: DiagnosticsGeometry;
  /** L′: tokens of the long runs. */
  longTokens: number;
  /** Tokens of the short full-precision run (≤ trained window). */
  shortTokens: number;
  longFp: TapSet;
  shortFp: TapSet;
  /** Quantized run at L′ (same PI), or null when nothing is quantized. */
  longQuant: TapSet | null;
  /**
   * Quantized model with the applied Q-ROAR scales at L′: when given, logit error and KL compare it
   * (not longQuant) with FP; longQuant stays the g = 1 baseline of the slider proxy.
   */
  longQroar?: TapSet | null;
  qroarLogits?: Float32Array;
  /** Logits float32 [longTokens, vocab] of the FP and quantized long runs (KL), when captured. */
  fpLogits?: Float32Array;
  quantLogits?: Float32Array;
  vocab?: number;
  /**
   * Noise floor (issue #12 item 6): a second FP run at L′ that should agree with the first — on
   * another backend, or with float16-rounded weights (`floorSource`) — taps and logits
   * [longTokens, vocab]. Its logit error and KL against FP (same pairs and bins) are drawn as a
   * baseline on the logit-error and KL charts.
   */
  longFloor?: TapSet | null;
  floorLogits?: Float32Array;
  floorSource?: NoiseFloorSource;
  /** TIR tail level p in (0, 1]. */
  tirQuantile: number;
  /** Sampled (m, n) pairs for the logit error, and the sampler seed. */
  pairCount: number;
  seed: number;
  /** Tap name of the keys attention used in the quantized run ('k_post', or 'k_kv' with a quantized K cache). */
  quantKeyTap?: string;
  /** θ and θ' at L′ (rad/token, [rotaryDim/2]) and attention factors, for the activation-based IP; omitted = no IP. */
  frequencies?: {
    invFreqOriginalRadPerToken: number[];
    invFreqInterpolatedRadPerToken: number[];
    attentionFactorOriginal: number;
    attentionFactorInterpolated: number;
  };
}

/** Chart-ready diagnostics; plain number arrays (NaN where a ratio is undefined). */
export interface DiagnosticsResult {
  tir: Record<TapTensor, TirData>;
  logitErrorDistance: LogitErrorData | null;
  logitErrorQuery: LogitErrorData | null;
  kl: KlData | null;
  /** Which quantized model the logit error and KL compare with FP (absent in older reports = 'ptq'). */
  quantVariant?: 'ptq' | 'ptq+qroar';
  /** Activation-based IP per layer × band from the FP long run's pre-RoPE q/k (absent in older reports). */
  activationIp?: ActivationIpData | null;
  longTokens: number;
  shortTokens: number;
  pairCount: number;
  seed: number;
}

export const TAP_TENSORS: readonly TapTensor[] = ['q-pre', 'k-pre', 'q-post', 'k-post'];
const QUERY_BINS = 16;

function tapName(tensor: TapTensor): string {
  return tensor.replace('-', '_');
}

/** The tap `prefix_layer` of a run, or an error naming what the run returned. */
export function tapOfSet(set: TapSet, name: string): Float32Array {
  const t = set[name];
  if (!t) throw new Error(`run has no tap '${name}' (has ${Object.keys(set).join(', ') || 'none'})`);
  return t;
}

/** See DiagnosticsInput / DiagnosticsResult: the three stages below, in order, on the whole input. */
export function computeDiagnostics(input: DiagnosticsInput): DiagnosticsResult {
  return assembleDiagnostics(input, fpStage(input), floorStage(input, comparedStage(input)));
}

/**
 * The diagnostics in three stages, each from the runs it needs (lib/scenario/diagnosticsJob
 * `runDiagnosticsStaged` computes each as soon as its runs are in, while the engine runs the next):
 * `fpStage` — TIR and activation IP, from the long and short FP runs; `comparedStage` — logit error
 * and KL of the quantized (or Q-ROAR) run against FP; `floorStage` — the noise floor against FP,
 * in the compared stage's bins. `assembleDiagnostics` joins them into exactly computeDiagnostics' result.
 */
export type FpStageInput = Pick<
  DiagnosticsInput,
  'geometry' | 'longTokens' | 'shortTokens' | 'longFp' | 'shortFp' | 'tirQuantile' | 'pairCount' | 'seed' | 'frequencies'
>;

export interface FpStage {
  tir: Record<TapTensor, TirData>;
  activationIp: ActivationIpData | null;
}

export interface ComparedStage {
  logitErrorDistance: LogitErrorData;
  logitErrorQuery: LogitErrorData;
  kl: KlData | null;
  /** The compared run's logit-error bins, which the floor's are aligned with. */
  distanceBins: LogitErrorBin[];
  queryBins: LogitErrorBin[];
}

function checkDiagnosticsInput({ geometry: g, longTokens, shortTokens, tirQuantile }: FpStageInput): void {
  if (!(shortTokens >= 2 && shortTokens <= longTokens)) throw new Error(`computeDiagnostics: need 2 ≤ shortTokens ${shortTokens} ≤ longTokens ${longTokens}`);
  if (!(tirQuantile > 0 && tirQuantile <= 1)) throw new Error(`computeDiagnostics: tirQuantile must be in (0, 1], got ${tirQuantile}`);
  if (g.layers.length === 0) throw new Error('computeDiagnostics: no tapped layers');
}

/** TIR per layer × band and per pair, and the activation-based IP: the FP runs only. */
export function fpStage(input: FpStageInput): FpStage {
  checkDiagnosticsInput(input);
  const { geometry: g, longTokens, shortTokens, longFp, shortFp, tirQuantile } = input;
  const bands = g.bands.map((b) => ({ ...b }));
  const pairCount = g.rotaryDim >> 1;
  const tir = {} as Record<TapTensor, TirData>;
  for (const tensor of TAP_TENSORS) {
    const heads = tensor.startsWith('q') ? g.heads : g.kvHeads;
    const layerBand: number[] = [];
    const layerPair: number[] = [];
    for (const layer of g.layers) {
      const name = `${tapName(tensor)}_${layer}`;
      const common = {
        longRun: tapOfSet(longFp, name),
        longTokens,
        shortRun: tapOfSet(shortFp, name),
        shortTokens,
        heads,
        headDim: g.headDim,
        rotaryDim: g.rotaryDim,
        layout: g.layout,
        level: tirQuantile,
      };
      layerBand.push(...tailInflationRatio({ ...common, bands }).pooled);
      layerPair.push(...tailInflationRatioPerPair(common).pooled);
    }
    tir[tensor] = { tensor, quantile: tirQuantile, layers: [...g.layers], bands, tirLayerBand: layerBand, tirLayerPair: layerPair, pairCount };
  }
  let activationIp: ActivationIpData | null = null;
  if (input.frequencies) {
    const f = input.frequencies;
    const pairs = pairSampler(longTokens, input.pairCount, input.seed);
    const ip: number[] = [];
    for (const layer of g.layers) {
      const r = activationPressure({
        q: tapOfSet(longFp, `q_pre_${layer}`),
        k: tapOfSet(longFp, `k_pre_${layer}`),
        tokens: longTokens,
        heads: g.heads,
        kvHeads: g.kvHeads,
        headDim: g.headDim,
        rotaryDim: g.rotaryDim,
        layout: g.layout,
        bands,
        invFreqOriginalRadPerToken: f.invFreqOriginalRadPerToken,
        invFreqInterpolatedRadPerToken: f.invFreqInterpolatedRadPerToken,
        attentionFactorOriginal: f.attentionFactorOriginal,
        attentionFactorInterpolated: f.attentionFactorInterpolated,
        pairs,
      });
      ip.push(...r.pooled);
    }
    activationIp = { layers: [...g.layers], bands, ipLayerBand: ip, contextTokens: longTokens };
  }
  return { tir, activationIp };
}

/** The logit error of `other` against the FP long run, in the diagnostics' pairs and bins. */
function errorAgainstFp(input: DiagnosticsInput, other: TapSet, otherKeyTap: string) {
  const { geometry: g, longTokens, longFp } = input;
  const stack = (set: TapSet, tap: string, heads: number) =>
    stackLayersAsHeads(
      g.layers.map((l) => tapOfSet(set, `${tap}_${l}`)),
      longTokens,
      heads,
      g.headDim,
    );
  return logitError({
    refQ: stack(longFp, 'q_post', g.heads),
    refK: stack(longFp, 'k_post', g.kvHeads),
    quantQ: stack(other, 'q_post', g.heads),
    quantK: stack(other, otherKeyTap, g.kvHeads),
    tokens: longTokens,
    heads: g.heads * g.layers.length,
    kvHeads: g.kvHeads * g.layers.length,
    headDim: g.headDim,
    rotaryDim: g.rotaryDim,
    layout: g.layout,
    bands: g.bands.map((b) => ({ ...b })),
    pairs: pairSampler(longTokens, input.pairCount, input.seed),
    distanceBinEdges: octaveEdges(longTokens - 1),
    queryBinEdges: linearEdges(longTokens, QUERY_BINS),
  });
}

/** Logit error and KL of the compared run (Q-ROAR if given, else the quantized one) against FP; null when nothing is quantized. */
export function comparedStage(input: DiagnosticsInput): ComparedStage | null {
  const compared = input.longQroar ?? input.longQuant;
  if (!compared) return null;
  const { geometry: g, longTokens } = input;
  const bands = g.bands.map((b) => ({ ...b }));
  const e = errorAgainstFp(input, compared, input.quantKeyTap ?? 'k_post');
  // Distance bins are octaves [lo, hi): the geometric centre sits mid-bin on the log axis.
  const logitErrorDistance = binsToChart(e.distanceBins, 'distance', bands, g.trainedWindowTokens, (b) => Math.sqrt(b.lo * (b.hi - 1 || 1)));
  const logitErrorQuery = binsToChart(e.queryBins, 'query', bands, g.trainedWindowTokens, (b) => (b.lo + b.hi - 1) / 2);
  const comparedLogits = input.longQroar ? input.qroarLogits : input.quantLogits;
  let kl: KlData | null = null;
  if (input.fpLogits && comparedLogits && input.vocab) {
    const values = klDivergenceRows(input.fpLogits, comparedLogits, longTokens, input.vocab);
    kl = {
      contextTokens: longTokens,
      positions: Array.from({ length: longTokens }, (_, p) => p),
      klNats: Array.from(values),
      trainedWindowTokens: g.trainedWindowTokens,
    };
  }
  return { logitErrorDistance, logitErrorQuery, kl, distanceBins: e.distanceBins, queryBins: e.queryBins };
}

/** `compared` with the noise floor of `input.longFloor` / `floorLogits` added (same pairs and seed, so the same bins); unchanged without a floor. */
export function floorStage(input: DiagnosticsInput, compared: ComparedStage | null): ComparedStage | null {
  if (!compared) return null;
  const source = input.floorSource ?? 'precision';
  let { logitErrorDistance, logitErrorQuery, kl } = compared;
  if (input.longFloor) {
    const floor = errorAgainstFp(input, input.longFloor, 'k_post');
    logitErrorDistance = { ...logitErrorDistance, noiseFloorRmsTotal: alignedRms(compared.distanceBins, floor.distanceBins), noiseFloorSource: source };
    logitErrorQuery = { ...logitErrorQuery, noiseFloorRmsTotal: alignedRms(compared.queryBins, floor.queryBins), noiseFloorSource: source };
  }
  if (kl && input.floorLogits && input.fpLogits && input.vocab) {
    kl = { ...kl, noiseFloorKlNats: Array.from(klDivergenceRows(input.fpLogits, input.floorLogits, input.longTokens, input.vocab)), noiseFloorSource: source };
  }
  return { ...compared, logitErrorDistance, logitErrorQuery, kl };
}

export function assembleDiagnostics(input: FpStageInput & Pick<DiagnosticsInput, 'longQroar'>, fp: FpStage, compared: ComparedStage | null): DiagnosticsResult {
  const quantVariant = input.longQroar ? ('ptq+qroar' as const) : ('ptq' as const);
  return {
    tir: fp.tir,
    logitErrorDistance: compared?.logitErrorDistance ?? null,
    logitErrorQuery: compared?.logitErrorQuery ?? null,
    kl: compared?.kl ?? null,
    quantVariant,
    activationIp: fp.activationIp,
    longTokens: input.longTokens,
    shortTokens: input.shortTokens,
    pairCount: input.pairCount,
    seed: input.seed,
  };
}

/** The noise floor's total RMS in the bins binsToChart keeps of `bins` (count > 0); NaN where the floor's bin is empty. */
function alignedRms(bins: LogitErrorBin[], floor: LogitErrorBin[]): number[] {
  return bins.flatMap((b, i) => (b.count > 0 ? [floor[i] && floor[i].count > 0 ? floor[i].rmsTotal : Number.NaN] : []));
}

function binsToChart(
  bins: LogitErrorBin[],
  axis: LogitErrorData['axis'],
  bands: ChartBand[],
  trainedWindowTokens: number,
  centre: (b: LogitErrorBin) => number,
): LogitErrorData {
  const kept = bins.filter((b) => b.count > 0);
  return {
    axis,
    bands,
    binCentres: kept.map(centre),
    rmsPerBand: bands.map((_, k) => kept.map((b) => b.rmsByBand[k])),
    rmsTotal: kept.map((b) => b.rmsTotal),
    p99Total: kept.map((b) => b.p99Total),
    trainedWindowTokens,
  };
}
