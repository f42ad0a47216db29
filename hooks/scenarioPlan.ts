'use client';
/**
 * The scenario plan (lib/scenario/plan) of the current settings and model, for the hooks: planned
 * once per change, and a setting the rope cannot take comes back as `error` (the jobs' queries
 * report it) instead of throwing during render.
 */
import { useMemo } from 'react';
import { planScenario, type ScenarioPlan } from '../lib/scenario/plan';
import type { Settings } from '../lib/settings/settings';
import type { ModelInfo } from './useModelInfo';

export type PlanState = { plan: ScenarioPlan; error: null } | { plan: null; error: Error | null };

/** `plan` once the model is known; `error` when these settings cannot be planned on it. */
export function planStateOf(settings: Settings, model: ModelInfo | undefined): PlanState {
  if (!model) return { plan: null, error: null };
  try {
    return { plan: planScenario(settings, model), error: null };
  } catch (err) {
    return { plan: null, error: err instanceof Error ? err : new Error(String(err)) };
  }
}

export function useScenarioPlan(settings: Settings, model: ModelInfo | undefined): PlanState {
  return useMemo(() => planStateOf(settings, model), [settings, model]);
}
