import { describe, expect, it } from 'vitest';
import type { SearchCandidate } from '../charts/types';
import { contextPenalty } from '../qroar/penalty';
import { JOB_FAILED_HINT } from './chartState';
import { SEARCH_IDLE_HINT, searchCandidatesState, searchPenaltyState, type SearchChartInput } from './searchStates';

const bands = [
  { bandIndex: 0, firstPair: 0, lastPair: 15, label: 'B0' },
  { bandIndex: 1, firstPair: 16, lastPair: 31, label: 'B1' },
];
const cand = (bandIndex: number, scale: number, objective: number): SearchCandidate => ({
  bandIndex,
  scale,
  objective,
  guard: 1.2,
  rejected: false,
  elapsedMs: 10,
  withinNoise: false,
});
const input = (over: Partial<SearchChartInput>): SearchChartInput => ({
  state: 'idle',
  message: '',
  error: null,
  candidates: [],
  bands,
  noOpReason: null,
  ...over,
});
const theme = { dark: false };

describe('search candidates state', () => {
  it('before any search the chart is idle (waiting for a click), not loading', () => {
    expect(searchCandidatesState(input({}), theme)).toEqual({ status: 'idle', message: 'No search run yet.', hint: SEARCH_IDLE_HINT });
    expect(searchCandidatesState(input({ state: 'cancelled' }), theme)).toMatchObject({
      status: 'idle',
      message: 'The search was cancelled before its first candidate.',
    });
    expect(searchCandidatesState(input({ state: 'done', noOpReason: 'query-only scales cancel in the softmax' }), theme)).toMatchObject({ status: 'idle' });
  });

  it('running before the first candidate is loading with the job line; a failed search is a job-failed error', () => {
    expect(searchCandidatesState(input({ state: 'running', message: 'building the graph' }), theme)).toEqual({
      status: 'loading',
      message: 'Search: building the graph',
      fraction: 0,
    });
    expect(searchCandidatesState(input({ state: 'running' }), theme)).toEqual({ status: 'loading', message: 'Search: waiting for the engine…' });
    expect(searchCandidatesState(input({ state: 'error', error: 'engine lost' }), theme)).toEqual({
      status: 'error',
      message: 'Search failed: engine lost',
      hint: JOB_FAILED_HINT,
    });
  });

  it('candidates are drawn; the baseline is the reference line in the chart and a row in the table', () => {
    const s = searchCandidatesState(input({ state: 'running', candidates: [cand(-1, 1, 1.5), cand(0, 0.9, 1.45), cand(1, 1.1, 1.52)] }), theme);
    if (s.status !== 'ready') throw new Error(s.status);
    expect(s.table.rows).toHaveLength(3);
  });
});

describe('search penalty state', () => {
  it('absent (null) until a result has penalty rows', () => {
    expect(searchPenaltyState(undefined, theme)).toBeNull();
    expect(searchPenaltyState([], theme)).toBeNull();
    const rows = [contextPenalty({ contextTokens: 512, ptqBefore: [2.3, 2.5], ptqAfter: [2.2, 2.4], fpBefore: [2.0, 2.1], fpAfter: [2.0, 2.1] })];
    expect(searchPenaltyState(rows, theme)).toMatchObject({ status: 'ready' });
  });
});
