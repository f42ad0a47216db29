import { describe, expect, it } from 'vitest';
import {
  engineState,
  guardedState,
  idleState,
  inputErrorState,
  INPUT_HINT,
  jobFailedState,
  JOB_FAILED_HINT,
  notInReportState,
  NOT_IN_REPORT_HINT,
  notQuantizedState,
  readyState,
  waitingState,
  withNote,
} from './chartState';

const table = { columns: ['a'], rows: [[1]] };

describe('chart state wording', () => {
  it('one "not in this report" sentence and hint, whatever is missing', () => {
    expect(notInReportState('pressure data')).toEqual({ status: 'error', message: 'This report holds no pressure data.', hint: NOT_IN_REPORT_HINT });
    expect(notInReportState('perplexity curves').hint).toBe(notInReportState('diagnostics').hint);
  });

  it('waiting for a job: the progress line with its fraction, or "waiting for the engine" while queued', () => {
    expect(engineState('Diagnostics', { fraction: 0.25, message: 'layer 2 of 8' })).toEqual({
      status: 'loading',
      message: 'Diagnostics: layer 2 of 8',
      fraction: 0.25,
    });
    expect(engineState('Diagnostics')).toEqual({ status: 'loading', message: 'Diagnostics: waiting for the engine…' });
    expect(engineState('Diagnostics', { fraction: 0.1, message: '' })).toEqual({
      status: 'loading',
      message: 'Diagnostics: waiting for the engine…',
      fraction: 0.1,
    });
    expect(engineState('Perplexity (yarn/fp)', null)).toEqual({ status: 'loading', message: 'Perplexity (yarn/fp): waiting for the engine…' });
    expect(waitingState('the model config')).toEqual({ status: 'loading', message: 'Waiting for the model config…' });
  });

  it('idle is its own status (no fraction), distinct from loading', () => {
    expect(idleState('No search run yet.', 'Press it.')).toEqual({ status: 'idle', message: 'No search run yet.', hint: 'Press it.' });
    expect(idleState('Nothing.')).toEqual({ status: 'idle', message: 'Nothing.' });
  });

  it('error states carry one hint each: inputs, a failed job, nothing quantized', () => {
    expect(inputErrorState('Model: bad magic')).toEqual({ status: 'error', message: 'Model: bad magic', hint: INPUT_HINT });
    expect(jobFailedState('yarn/ptq: out of memory')).toEqual({ status: 'error', message: 'yarn/ptq: out of memory', hint: JOB_FAILED_HINT });
    expect(notQuantizedState()).toMatchObject({ status: 'error', message: 'No quantized run: nothing is quantized.' });
    expect(notQuantizedState('the KV cache setting is off').message).toBe('No quantized run: the KV cache setting is off.');
  });

  it('ready states omit an empty note; withNote appends to ready states only; a throwing builder becomes a job-failed state', () => {
    expect(readyState({}, table, '')).toEqual({ status: 'ready', option: {}, table });
    expect(withNote(readyState({}, table, 'A.'), 'B.')).toMatchObject({ note: 'A. B.' });
    expect(withNote(idleState('x'), 'B.')).toEqual(idleState('x'));
    expect(
      guardedState(() => {
        throw new Error('rows 3 ≠ 4');
      }),
    ).toEqual(jobFailedState('rows 3 ≠ 4'));
  });
});
