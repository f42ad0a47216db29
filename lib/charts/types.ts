/**
 * Plain records the charts draw. Hooks map worker results (lib/diagnostics, lib/eval,
 * lib/qroar) onto these; builders never compute science, they only lay numbers out.
 */
import type { EChartsOption } from 'echarts';

export type ChartId =
  | 'compounding'
  | 'pressure-pair'
  | 'pressure-band'
  | 'tir-heatmap'
  | 'tir-pair'
  | 'logit-error-distance'
  | 'logit-error-query'
  | 'ppl-context'
  | 'kl-position'
  | 'search-candidates'
  | 'search-penalty'
  | 'ip-activation';

/** A table behind a chart, for CSV/JSON export: `rows[r][c]` under `columns[c]`. */
export interface ChartTable {
  columns: string[];
  rows: Array<Array<number | string>>;
}

export interface ChartTheme {
  dark: boolean;
}

export type ChartOption = EChartsOption;

/** A band as the charts need it: inclusive pair range and a label. */
export interface ChartBand {
  bandIndex: number;
  firstPair: number;
  lastPair: number;
  label: string;
}

/** Analytic interpolation pressure (SPEC §4), per pair i = 0 … d_r/2 − 1 and per band. */
export interface PressureData {
  method: string;
  ipPerPair: ArrayLike<number>;
  displacementTurnsPerPair: ArrayLike<number>;
  /** Fraction of the PI scaling pair i receives: ln(θ_i/θ'_i)/ln s, 0 = untouched, 1 = θ/s. */
  interpolatedFractionPerPair: ArrayLike<number>;
  wavelengthTokens: ArrayLike<number>;
  trainedWindowTokens: number;
  targetWindowTokens: number;
  bands: ChartBand[];
  ipPerBand: ArrayLike<number>;
  displacementTurnsPerBand: ArrayLike<number>;
}

export type TapTensor = 'q-pre' | 'k-pre' | 'q-post' | 'k-post';

/** TIR_B per layer × band (row-major, band contiguous) and per pair, for one tapped tensor. */
export interface TirData {
  tensor: TapTensor;
  quantile: number;
  layers: number[];
  bands: ChartBand[];
  /** [layers.length × bands.length], band contiguous. */
  tirLayerBand: ArrayLike<number>;
  /** [layers.length × pairs], pair contiguous. */
  tirLayerPair: ArrayLike<number>;
  pairCount: number;
}

/** RMS / p99 of |ε| per bin and band (SPEC §4, position-dependent logit error). */
export interface LogitErrorData {
  /** Bin centres: distance Δ = m − n in tokens (log-spaced) or query position m. */
  binCentres: number[];
  axis: 'distance' | 'query';
  bands: ChartBand[];
  /** [bands.length][bins] RMS of ε_B. */
  rmsPerBand: number[][];
  /** RMS of the total ε per bin. */
  rmsTotal: number[];
  p99Total: number[];
  trainedWindowTokens: number;
  /**
   * Noise floor [bins]: RMS of the total ε between two full-precision runs that should agree (see
   * noiseFloorSource), same pairs, same bins; absent when not measured (older reports).
   */
  noiseFloorRmsTotal?: number[];
  /** What the floor compares; absent = 'precision' (reports written before there was a choice). */
  noiseFloorSource?: NoiseFloorSource;
}

/**
 * The two full-precision runs a noise floor compares: 'backend' = the FP model on WebGPU against
 * the same model on WASM (when the run was on WebGPU); 'precision' = the FP model with every
 * weight rounded to float16 against float32 weights (on one backend).
 */
export type NoiseFloorSource = 'backend' | 'precision';

/**
 * One perplexity curve: a PI method × a weight variant, over contexts in tokens. 'fp+qroar' is the
 * control: the full-precision model with the applied Q-ROAR scales (same PI).
 */
export interface PplCurve {
  method: string;
  variant: 'fp' | 'ptq' | 'ptq+qroar' | 'fp+qroar';
  contextTokens: number[];
  perplexity: number[];
}

export interface PplData {
  curves: PplCurve[];
  trainedWindowTokens: number;
}

/** Per-position KL(FP ‖ PTQ) in nats at one context. */
export interface KlData {
  contextTokens: number;
  positions: number[];
  klNats: number[];
  trainedWindowTokens: number;
  /** Noise floor [positions]: KL(p_FP ‖ p_floor) per position, nats (p_floor: see noiseFloorSource); absent when not measured. */
  noiseFloorKlNats?: number[];
  /** Absent = 'precision'. */
  noiseFloorSource?: NoiseFloorSource;
}

/** One evaluated Q-ROAR candidate (SPEC §5). */
export interface SearchCandidate {
  bandIndex: number;
  scale: number;
  objective: number;
  guard: number;
  rejected: boolean;
  elapsedMs: number;
  /** Lower than the incumbent but not beyond the paired noise: kept as a tie (absent in older reports). */
  withinNoise?: boolean;
  /** Paired dev difference candidate − baseline, nats, and its standard error (null: one window). */
  vsBaselineNats?: number;
  vsBaselineSeNats?: number | null;
}

export interface SearchData {
  bands: ChartBand[];
  candidates: SearchCandidate[];
  /** Objective at g = 1 everywhere, drawn as a reference line. */
  baselineObjective: number | null;
}

/** Activation-based IP_B per layer × band (SPEC §4) at context L′ from real pre-RoPE q/k. */
export interface ActivationIpData {
  layers: number[];
  bands: ChartBand[];
  /** [layers.length × bands.length], band contiguous; dimensionless ratio. */
  ipLayerBand: ArrayLike<number>;
  contextTokens: number;
}
