/**
 * Diagnostics result (live or from a report) + the run's status → the chart state of each
 * diagnostics chart (TIR heat map and per pair, logit error by distance and by query position, KL
 * per position, activation-based IP). All six share the run: until it has a result they show the
 * same state.
 */
import { activationIpOption, activationIpTable } from '../charts/activationIp';
import { klOption, klTable, logitErrorOption, logitErrorTable } from '../charts/curves';
import { tirHeatmapOption, tirPairOption, tirPairTable, tirTable } from '../charts/tir';
import type { ChartTheme, NoiseFloorSource, TapTensor } from '../charts/types';
import type { DiagnosticsResult } from '../scenario/diagnosticsCompute';
import {
  engineState,
  errorText,
  FROM_REPORT_NOTE,
  guardedState,
  inputErrorState,
  jobFailedState,
  notInReportState,
  notQuantizedState,
  readyState,
  withNote,
  type ChartState,
  type JobProgressLike,
} from './chartState';

export type DiagnosticsChartKey = 'tir-heatmap' | 'tir-pair' | 'logit-error-distance' | 'logit-error-query' | 'kl-position' | 'ip-activation';

/** A result to lay out, or the one state every diagnostics chart shows meanwhile. */
export type DiagnosticsSource =
  { kind: 'result'; result: DiagnosticsResult; fromReport: boolean; quantSkipped: string | null } | { kind: 'state'; state: ChartState };

/** What the live run's status is made of (the hook's queries, read structurally). */
export interface DiagnosticsStatus {
  outcome: { result: DiagnosticsResult; quantSkipped: string | null } | undefined;
  modelError: unknown;
  tokensError: unknown;
  /** False when the model was read but its architecture was not (nothing to run). */
  modelRunnable: boolean;
  queryError: unknown;
  progress: JobProgressLike | undefined;
}

/** The live run → its source. Errors (`*Error`) are null/undefined when there is none. */
export function diagnosticsSource(s: DiagnosticsStatus): DiagnosticsSource {
  if (s.outcome) return { kind: 'result', result: s.outcome.result, fromReport: false, quantSkipped: s.outcome.quantSkipped };
  if (s.modelError) return { kind: 'state', state: inputErrorState(`Model: ${errorText(s.modelError)}`) };
  if (s.tokensError) return { kind: 'state', state: inputErrorState(`Text: ${errorText(s.tokensError)}`) };
  if (!s.modelRunnable) return { kind: 'state', state: inputErrorState('This model’s architecture could not be read, so it cannot be run.') };
  if (s.queryError) return { kind: 'state', state: jobFailedState(errorText(s.queryError)) };
  return { kind: 'state', state: engineState('Diagnostics', s.progress) };
}

/** An opened report's diagnostics section (null when it has none) → its source. */
export function reportDiagnosticsSource(result: DiagnosticsResult | null): DiagnosticsSource {
  return result ? { kind: 'result', result, fromReport: true, quantSkipped: null } : { kind: 'state', state: notInReportState('diagnostics') };
}

export function diagnosticsChartStates(source: DiagnosticsSource, tensor: TapTensor, theme: ChartTheme): Record<DiagnosticsChartKey, ChartState> {
  if (source.kind === 'state') {
    const s = source.state;
    return { 'tir-heatmap': s, 'tir-pair': s, 'logit-error-distance': s, 'logit-error-query': s, 'kl-position': s, 'ip-activation': s };
  }
  const { result, fromReport } = source;
  // Logit error and KL compare FP with this quantized model; say so when Q-ROAR scales are in it.
  const quantNote = result.quantVariant === 'ptq+qroar' ? 'Quantized model with the applied Q-ROAR scales vs full precision.' : undefined;
  const floorNote = (measured: boolean, source: NoiseFloorSource | undefined) =>
    measured
      ? `Shaded: the noise floor, the same measurement between ${source === 'backend' ? 'the FP model on WebGPU and the FP model on WASM' : 'the FP model with float16-rounded weights and the FP model'}.`
      : undefined;
  const noted = (s: ChartState, ...extra: Array<string | undefined>): ChartState =>
    withNote(s, [fromReport ? FROM_REPORT_NOTE : undefined, ...extra].filter(Boolean).join(' ') || undefined);
  const noQuant = fromReport ? notInReportState('quantized-run diagnostics') : notQuantizedState(source.quantSkipped ?? undefined);
  const tir = result.tir[tensor];
  const led = result.logitErrorDistance;
  const leq = result.logitErrorQuery;
  const kl = result.kl;
  const ip = result.activationIp;
  return {
    'tir-heatmap': guardedState(() => noted(readyState(tirHeatmapOption(tir, theme), tirTable(tir)))),
    'tir-pair': guardedState(() => noted(readyState(tirPairOption(tir, theme), tirPairTable(tir)))),
    'logit-error-distance': led
      ? guardedState(() =>
          noted(
            readyState(logitErrorOption(led, theme), logitErrorTable(led)),
            quantNote,
            floorNote(led.noiseFloorRmsTotal !== undefined, led.noiseFloorSource),
          ),
        )
      : noQuant,
    'logit-error-query': leq
      ? guardedState(() =>
          noted(
            readyState(logitErrorOption(leq, theme), logitErrorTable(leq)),
            quantNote,
            floorNote(leq.noiseFloorRmsTotal !== undefined, leq.noiseFloorSource),
          ),
        )
      : noQuant,
    'kl-position': kl
      ? guardedState(() => noted(readyState(klOption(kl, theme), klTable(kl)), quantNote, floorNote(kl.noiseFloorKlNats !== undefined, kl.noiseFloorSource)))
      : noQuant,
    'ip-activation': ip
      ? guardedState(() => noted(readyState(activationIpOption(ip, theme), activationIpTable(ip))))
      : fromReport
        ? notInReportState('activation-based IP')
        : { status: 'error', message: 'Activation-based IP was not computed.' },
  };
}
