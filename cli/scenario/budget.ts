/**
 * The CLI's up-front refusal: a run's peak (lib/model/runBudget.ts, today's whole-graph engine)
 * against the memory budget, checked after the headers are read and before any tensor is.
 */
import { assertRunFits, type MemoryAvailable } from '../../lib/model/budgetCheck';
import { runBudget, type RunBudget, type RunScenario } from '../../lib/model/runBudget';
import type { ModelSpec } from '../../lib/model/spec';

/**
 * Throws BudgetExceededError (user-facing: one line, exit 2) when the whole-graph run of `spec`
 * at `contextTokens` in `scenario` cannot be made or needs more than `available`.
 */
export function checkRunBudget(command: string, available: MemoryAvailable, spec: ModelSpec, scenario: Omit<RunScenario, 'layerGroupSize'>, contextTokens: number): RunBudget {
  const budget = runBudget(spec, { ...scenario, layerGroupSize: spec.numLayers }, contextTokens);
  assertRunFits(budget, available, `${command} at ${contextTokens} tokens`);
  return budget;
}
