/**
 * The Q-ROAR band search's status (live job or reopened report) → the search-candidates chart and
 * the penalty chart. Before any search the candidates chart is idle (it waits for "Run search"),
 * never loading.
 */
import { penaltyOption, penaltyTable } from '../charts/penalty';
import { searchOption, searchTable } from '../charts/search';
import type { ChartBand, ChartTheme, SearchCandidate, SearchData } from '../charts/types';
import type { ContextPenalty } from '../qroar/penalty';
import { engineState, idleState, jobFailedState, readyState, type ChartState } from './chartState';

/** Status of the page's search job (hooks/useQroarSearch keeps it). */
export type SearchState = 'idle' | 'running' | 'done' | 'cancelled' | 'error';

export const SEARCH_IDLE_HINT = 'Press “Run search” to score the candidates.';

export interface SearchChartInput {
  state: SearchState;
  /** Progress line of the running job (may be empty). */
  message: string;
  error: string | null;
  /** Candidates so far, baseline (bandIndex −1) included, in run order. */
  candidates: SearchCandidate[];
  bands: ChartBand[];
  /** Why the finished search had nothing to score (the variant cannot change the objective), or null. */
  noOpReason: string | null;
}

export function searchCandidatesState(input: SearchChartInput, theme: ChartTheme): ChartState {
  if (input.state === 'error') return jobFailedState(`Search failed: ${input.error ?? 'unknown error'}`);
  if (input.candidates.length === 0) {
    if (input.state === 'running') return engineState('Search', input.message ? { message: input.message, fraction: 0 } : null);
    if (input.noOpReason) return idleState('No candidates: this variant cannot change the objective (see the result).');
    if (input.state === 'cancelled') return idleState('The search was cancelled before its first candidate.', SEARCH_IDLE_HINT);
    return idleState('No search run yet.', SEARCH_IDLE_HINT);
  }
  const baseline = input.candidates.find((c) => c.bandIndex === -1);
  const data: SearchData = { bands: input.bands, candidates: input.candidates.filter((c) => c.bandIndex >= 0), baselineObjective: baseline?.objective ?? null };
  // The table keeps the baseline row; the chart draws it as the reference line.
  return readyState(searchOption(data, theme), searchTable({ ...data, candidates: input.candidates }));
}

/**
 * The penalty chart, or null when the result has no penalty figures: a chart that waits for a
 * click is not put in the page at all (the candidates chart already says what to do).
 */
export function searchPenaltyState(penalty: ContextPenalty[] | null | undefined, theme: ChartTheme): ChartState | null {
  return penalty && penalty.length > 0 ? readyState(penaltyOption({ rows: penalty }, theme), penaltyTable({ rows: penalty })) : null;
}
