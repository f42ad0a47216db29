/**
 * The CLI's up-front refusal and engine choice: a run's peak (lib/model/runBudget.ts) against the
 * memory budget, checked after the headers are read and before any tensor is.
 */
import { assertRunFits, type MemoryAvailable } from '../../lib/model/budgetCheck';
import { planEngine, type EngineChoice, type EngineDeviceFacts, type EnginePlan } from '../../lib/model/enginePlan';
import { runBudget, type RunBudget, type RunScenario } from '../../lib/model/runBudget';
import type { ModelSpec } from '../../lib/model/spec';

/**
 * Throws BudgetExceededError (user-facing: one line, exit 2) when the whole-graph run of `spec`
 * at `contextTokens` in `scenario` cannot be made or needs more than `available`.
 */
export function checkRunBudget(
  command: string,
  available: MemoryAvailable,
  spec: ModelSpec,
  scenario: Omit<RunScenario, 'layerGroupSize'>,
  contextTokens: number,
): RunBudget {
  const budget = runBudget(spec, { ...scenario, layerGroupSize: spec.numLayers }, contextTokens);
  assertRunFits(budget, available, `${command} at ${contextTokens} tokens`);
  return budget;
}

/**
 * The engine of a run (lib/model/enginePlan.ts): --engine auto takes the whole graph when it fits
 * `available` and streams layers otherwise; a run that fits neither (or --engine whole that does not
 * fit) throws BudgetExceededError with the numbers. WebGPU buffer limits are checked on the plan.
 * `device` (facts and the model's linear dtypes) lets a full-precision streamed run hold float16.
 */
export function planRunEngine(
  command: string,
  available: MemoryAvailable,
  spec: ModelSpec,
  scenario: Omit<RunScenario, 'layerGroupSize' | 'layerCacheBytes' | 'engine'>,
  contextTokens: number,
  choice: { engine: EngineChoice; layerGroupSize?: number },
  device?: { facts: EngineDeviceFacts; linearDtypes: readonly string[] },
): EnginePlan {
  const what = `${command} at ${contextTokens} tokens`;
  const plan = planEngine(spec, scenario, contextTokens, available, { ...choice, what }, device);
  assertRunFits(plan.budget, available, what);
  return plan;
}
