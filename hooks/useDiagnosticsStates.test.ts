import { describe, expect, it } from 'vitest';
import type { DiagnosticsResult } from '../lib/run/diagnosticsCompute';
import { diagnosticsChartStates } from './useDiagnosticsStates';

const bands = [{ bandIndex: 0, firstPair: 0, lastPair: 1, label: 'B0' }];
const tir = (tensor: 'q-pre' | 'k-pre' | 'q-post' | 'k-post') => ({ tensor, quantile: 0.999, layers: [0], bands, tirLayerBand: [1.2], tirLayerPair: [1.1, 1.3], pairCount: 2 });
const le = (axis: 'distance' | 'query') => ({ axis, binCentres: [1, 2], bands, rmsPerBand: [[0.1, 0.2]], rmsTotal: [0.1, 0.2], p99Total: [0.3, 0.4], trainedWindowTokens: 4 });
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
  it('loading and error sources put every chart in that state, with no option', () => {
    const loading = diagnosticsChartStates({ kind: 'loading', message: 'runs', fraction: 0.5 }, 'k-post', theme);
    expect(Object.values(loading).every((s) => s.status === 'loading')).toBe(true);
    const error = diagnosticsChartStates({ kind: 'error', message: 'boom', hint: 'retry' }, 'k-post', theme);
    expect(error['kl-position']).toEqual({ status: 'error', message: 'boom', hint: 'retry' });
  });

  it('without a quantized run the logit error and KL say why; TIR and IP are ready', () => {
    const s = diagnosticsChartStates({ kind: 'result', result: { ...full, logitErrorDistance: null, logitErrorQuery: null, kl: null }, fromReport: false, quantSkipped: 'neither weights nor KV cache are quantized' }, 'q-pre', theme);
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
    const s = diagnosticsChartStates({ kind: 'result', result: { ...full, activationIp: { ...full.activationIp!, ipLayerBand: [] } }, fromReport: false, quantSkipped: null }, 'k-post', theme);
    expect(s['ip-activation']).toMatchObject({ status: 'error' });
    expect(s['tir-pair'].status).toBe('ready');
  });
});
