/**
 * Diagnostics result (live or from a report) + query status → the ChartCard state of each
 * diagnostics chart. Pure: no numbers are made here, only laid out or replaced by a state.
 */
import type { ChartState } from '../components/charts/ChartCard';
import { activationIpOption, activationIpTable } from '../lib/charts/activationIp';
import { klOption, klTable, logitErrorOption, logitErrorTable } from '../lib/charts/curves';
import { tirHeatmapOption, tirPairOption, tirPairTable, tirTable } from '../lib/charts/tir';
import type { ChartTheme, NoiseFloorSource, TapTensor } from '../lib/charts/types';
import type { DiagnosticsResult } from '../lib/run/diagnosticsCompute';

export type DiagnosticsChartKey = 'tir-heatmap' | 'tir-pair' | 'logit-error-distance' | 'logit-error-query' | 'kl-position' | 'ip-activation';

export type DiagnosticsSource =
  | { kind: 'result'; result: DiagnosticsResult; fromReport: boolean; quantSkipped: string | null }
  | { kind: 'loading'; message: string; fraction?: number }
  | { kind: 'error'; message: string; hint?: string };

function guarded(build: () => ChartState): ChartState {
  try {
    return build();
  } catch (err) {
    return { status: 'error', message: err instanceof Error ? err.message : String(err) };
  }
}

export function diagnosticsChartStates(source: DiagnosticsSource, tensor: TapTensor, theme: ChartTheme): Record<DiagnosticsChartKey, ChartState> {
  if (source.kind !== 'result') {
    const s: ChartState = source.kind === 'loading' ? { status: 'loading', message: source.message, ...(source.fraction !== undefined ? { fraction: source.fraction } : {}) } : { status: 'error', message: source.message, ...(source.hint ? { hint: source.hint } : {}) };
    return { 'tir-heatmap': s, 'tir-pair': s, 'logit-error-distance': s, 'logit-error-query': s, 'kl-position': s, 'ip-activation': s };
  }
  const { result, fromReport } = source;
  const note = fromReport ? 'From the opened report.' : undefined;
  // Logit error and KL compare FP with this quantized model; say so when Q-ROAR scales are in it.
  const quantNote = result.quantVariant === 'ptq+qroar' ? 'Quantized model with the applied Q-ROAR scales vs full precision.' : undefined;
  const floorNote = (measured: boolean, source: NoiseFloorSource | undefined) =>
    measured ? `Shaded: the noise floor, the same measurement between ${source === 'backend' ? 'the FP model on WebGPU and the FP model on WASM' : 'the FP model with float16-rounded weights and the FP model'}.` : undefined;
  const notes = (...extra: Array<string | undefined>): string | undefined => [note, ...extra].filter(Boolean).join(' ') || undefined;
  const noQuant: ChartState = fromReport
    ? { status: 'error', message: 'This report holds no quantized-run diagnostics.' }
    : { status: 'error', message: `No quantized run: ${source.quantSkipped ?? 'nothing is quantized'}.`, hint: 'Choose a weight quantization to compare against full precision.' };
  const tir = result.tir[tensor];
  const withNote = (s: ChartState, ...extra: Array<string | undefined>): ChartState => {
    const n = notes(...extra);
    return s.status === 'ready' && n ? { ...s, note: n } : s;
  };
  return {
    'tir-heatmap': guarded(() => withNote({ status: 'ready', option: tirHeatmapOption(tir, theme), table: tirTable(tir) })),
    'tir-pair': guarded(() => withNote({ status: 'ready', option: tirPairOption(tir, theme), table: tirPairTable(tir) })),
    'logit-error-distance': result.logitErrorDistance
      ? guarded(() => withNote({ status: 'ready', option: logitErrorOption(result.logitErrorDistance!, theme), table: logitErrorTable(result.logitErrorDistance!) }, quantNote, floorNote(result.logitErrorDistance!.noiseFloorRmsTotal !== undefined, result.logitErrorDistance!.noiseFloorSource)))
      : noQuant,
    'logit-error-query': result.logitErrorQuery
      ? guarded(() => withNote({ status: 'ready', option: logitErrorOption(result.logitErrorQuery!, theme), table: logitErrorTable(result.logitErrorQuery!) }, quantNote, floorNote(result.logitErrorQuery!.noiseFloorRmsTotal !== undefined, result.logitErrorQuery!.noiseFloorSource)))
      : noQuant,
    'kl-position': result.kl ? guarded(() => withNote({ status: 'ready', option: klOption(result.kl!, theme), table: klTable(result.kl!) }, quantNote, floorNote(result.kl!.noiseFloorKlNats !== undefined, result.kl!.noiseFloorSource))) : noQuant,
    'ip-activation': result.activationIp
      ? guarded(() => withNote({ status: 'ready', option: activationIpOption(result.activationIp!, theme), table: activationIpTable(result.activationIp!) }))
      : { status: 'error', message: fromReport ? 'This report holds no activation-based IP.' : 'Activation-based IP was not computed.' },
  };
}
