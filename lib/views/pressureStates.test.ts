import { describe, expect, it } from 'vitest';
import type { RopeConfig } from '../rope/types';
import { pressureChartData } from '../scenario/pressure';
import { defaultSettings } from '../settings/settings';
import { INPUT_HINT, NOT_IN_REPORT_HINT } from './chartState';
import { pressureStates, reportPressureStates } from './pressureStates';

// The built-in model's RoPE (public/models/bandscope-byte-4m/config.json): head_dim 64, θ 1e4, L 256.
const builtin: RopeConfig = { type: 'default', thetaBase: 10000, headDim: 64, rotaryDim: 64, maxPositionEmbeddings: 256 };
const theme = { dark: false };

describe('pressure states', () => {
  it('waits for the model config, then draws the closed form for the settings', () => {
    expect(pressureStates({ data: undefined, isError: false, error: null }, defaultSettings(), theme)).toEqual({
      pair: { status: 'loading', message: 'Waiting for the model config…' },
      band: { status: 'loading', message: 'Waiting for the model config…' },
    });
    const s = pressureStates({ data: { rope: builtin }, isError: false, error: null }, defaultSettings(), theme);
    expect(s.pair.status).toBe('ready');
    expect(s.band.status).toBe('ready');
    expect(s.data).toEqual(pressureChartData(builtin, defaultSettings()));
  });

  it('an unreadable model is an input error on both charts', () => {
    const s = pressureStates({ data: undefined, isError: true, error: new Error('bad magic 0x1234') }, defaultSettings(), theme);
    expect(s.pair).toEqual({ status: 'error', message: 'Model could not be read: bad magic 0x1234', hint: INPUT_HINT });
    expect(s.band).toEqual(s.pair);
    expect(s.data).toBeUndefined();
  });

  it('a report: its saved numbers with the report note, or the one "not in this report" state', () => {
    const data = pressureChartData(builtin, defaultSettings());
    const s = reportPressureStates(data, theme);
    expect(s.band).toMatchObject({ status: 'ready', note: 'From the opened report.' });
    expect(reportPressureStates(null, theme).pair).toEqual({ status: 'error', message: 'This report holds no pressure data.', hint: NOT_IN_REPORT_HINT });
  });
});
