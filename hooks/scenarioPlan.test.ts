import { describe, expect, it } from 'vitest';
import { defaultSettings } from '../lib/settings/settings';
import { planStateOf } from './scenarioPlan';
import type { ModelInfo } from './useModelInfo';

// A model that already uses YaRN (e.g. a long-context checkpoint): stacking another PI on it is refused by lib/rope.
const yarnModel = {
  id: 'file:x',
  identity: 'x',
  rope: { type: 'yarn', thetaBase: 10000, headDim: 64, rotaryDim: 64, maxPositionEmbeddings: 1024, originalMaxPositionEmbeddings: 256, factor: 4 },
  trainedWindow: { windowTokens: 256, source: 'config.json', candidates: [] },
  spec: null,
} as unknown as ModelInfo;

describe('planStateOf', () => {
  it('no model yet: no plan and no error; settings the rope refuses: the error, not a throw during render', () => {
    expect(planStateOf(defaultSettings(), undefined)).toEqual({ plan: null, error: null });
    const state = planStateOf(defaultSettings(), yarnModel);
    expect(state.plan).toBeNull();
    expect(state.error?.message).toMatch(/already uses 'yarn' RoPE scaling/);
    const asTrained = planStateOf(
      { ...defaultSettings(), pi: { ...defaultSettings().pi, method: 'default', factor: 1 }, targetContextTokens: 1024 },
      yarnModel,
    );
    expect(asTrained.plan?.contexts).toEqual([64, 128, 256, 512, 1024]);
  });
});
