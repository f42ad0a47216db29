import { describe, expect, it } from 'vitest';
import type { DiagnosticsResult } from '../scenario/diagnosticsCompute';
import { engineState, inputErrorState, JOB_FAILED_HINT, NOT_IN_REPORT_HINT } from './chartState';
import { diagnosticsChartStates, diagnosticsSource, reportDiagnosticsSource } from './diagnosticsStates';

const bands = [{ bandIndex: 0, firstPair: 0, lastPair: 1, label: 'B0' }];
const tir = (tensor: 'q-pre' | 'k-pre' | 'q-post' | 'k-post') => ({
  tensor,
  quantile: 0.999,
  layers: [0],
  bands,
  tirLayerBand: [1.2],
  tirLayerPair: [1.1, 1.3],
  pairCount: 2,
});
const le = (axis: 'distance' | 'query') => ({
  axis,
  binCentres: [1, 2],
  bands,
  rmsPerBand: [[0.1, 0.2]],
  rmsTotal: [0.1, 0.2],
  p99Total: [0.3, 0.4],
  trainedWindowTokens: 4,
});
const full: DiagnosticsResult = {
  tir: { 'q-pre': tir('q-pre'), 'k-pre': tir('k-pre'), 'q-post': tir('q-post'), 'k-post': tir('k-post') },
  logitErrorDistance: le('distance'),
  logitErrorQuery: le('query'),
  kl: { contextTokens: 2, positions: [0, 1], klNats: [0, 0.1], trainedWindowTokens: 4 },
  activationIp: { layers: [0], bands, ipLayerBand: [0.5], contextTokens: 8 },
  quantVariant: 'ptq',
  longTokens: 8,
  shortTokens: 4,
  pairCount: 10,
  seed: 1,
};
const theme = { dark: false };

describe('diagnosticsChartStates', () => {
  it('a state source puts every chart in that state, with no option', () => {
    const loading = diagnosticsChartStates({ kind: 'state', state: engineState('Diagnostics', { fraction: 0.5, message: 'runs' }) }, 'k-post', theme);
    expect(Object.values(loading).every((s) => s.status === 'loading' && s.message === 'Diagnostics: runs')).toBe(true);
    const error = diagnosticsChartStates({ kind: 'state', state: { status: 'error', message: 'boom', hint: 'retry' } }, 'k-post', theme);
    expect(error['kl-position']).toEqual({ status: 'error', message: 'boom', hint: 'retry' });
  });

  it('the live run: a result wins, then model, text, architecture and query errors, else waiting for the engine', () => {
    const none = { outcome: undefined, modelError: null, tokensError: null, modelRunnable: true, queryError: null, progress: undefined };
    expect(diagnosticsSource(none)).toEqual({ kind: 'state', state: engineState('Diagnostics') });
    expect(diagnosticsSource({ ...none, progress: { fraction: 0.3, message: 'taps' } })).toEqual({
      kind: 'state',
      state: { status: 'loading', message: 'Diagnostics: taps', fraction: 0.3 },
    });
    expect(diagnosticsSource({ ...none, modelError: new Error('bad magic'), tokensError: new Error('x') })).toEqual({
      kind: 'state',
      state: inputErrorState('Model: bad magic'),
    });
    expect(diagnosticsSource({ ...none, tokensError: new Error('not UTF-8') })).toEqual({ kind: 'state', state: inputErrorState('Text: not UTF-8') });
    expect(diagnosticsSource({ ...none, modelRunnable: false })).toMatchObject({
      kind: 'state',
      state: { status: 'error', message: 'This model’s architecture could not be read, so it cannot be run.' },
    });
    expect(diagnosticsSource({ ...none, queryError: new Error('OOM') })).toEqual({
      kind: 'state',
      state: { status: 'error', message: 'OOM', hint: JOB_FAILED_HINT },
    });
    expect(diagnosticsSource({ ...none, queryError: new Error('stale'), outcome: { result: full, quantSkipped: null } })).toMatchObject({
      kind: 'result',
      fromReport: false,
    });
  });

  it('a report without diagnostics: the one "not in this report" state on every chart', () => {
    const s = diagnosticsChartStates(reportDiagnosticsSource(null), 'k-post', theme);
    expect(s['tir-heatmap']).toEqual({ status: 'error', message: 'This report holds no diagnostics.', hint: NOT_IN_REPORT_HINT });
    const partial = diagnosticsChartStates(reportDiagnosticsSource({ ...full, kl: null, activationIp: null }), 'k-post', theme);
    expect(partial['kl-position']).toEqual({ status: 'error', message: 'This report holds no quantized-run diagnostics.', hint: NOT_IN_REPORT_HINT });
    expect(partial['ip-activation']).toMatchObject({ message: 'This report holds no activation-based IP.' });
  });

  it('without a quantized run the logit error and KL say why; TIR and IP are ready', () => {
    const s = diagnosticsChartStates(
      {
        kind: 'result',
        result: { ...full, logitErrorDistance: null, logitErrorQuery: null, kl: null },
        fromReport: false,
        quantSkipped: 'neither weights nor KV cache are quantized',
      },
      'q-pre',
      theme,
    );
    expect(s['tir-heatmap'].status).toBe('ready');
    expect(s['ip-activation'].status).toBe('ready');
    expect(s['logit-error-query']).toMatchObject({ status: 'error', message: 'No quantized run: neither weights nor KV cache are quantized.' });
  });

  it('notes a report source and the Q-ROAR comparison; the picked tensor drives the TIR table', () => {
    const s = diagnosticsChartStates({ kind: 'result', result: { ...full, quantVariant: 'ptq+qroar' }, fromReport: true, quantSkipped: null }, 'k-pre', theme);
    const heat = s['tir-heatmap'];
    if (heat.status !== 'ready') throw new Error(heat.status);
    expect(heat.note).toBe('From the opened report.');
    expect(heat.table.rows[0][0]).toBe('k-pre');
    const kl = s['kl-position'];
    expect(kl.status === 'ready' && kl.note).toBe('From the opened report. Quantized model with the applied Q-ROAR scales vs full precision.');
  });

  it('a malformed result becomes an error state, not a throw', () => {
    const s = diagnosticsChartStates(
      { kind: 'result', result: { ...full, activationIp: { ...full.activationIp!, ipLayerBand: [] } }, fromReport: false, quantSkipped: null },
      'k-post',
      theme,
    );
    expect(s['ip-activation']).toMatchObject({ status: 'error' });
    expect(s['tir-pair'].status).toBe('ready');
  });
});
