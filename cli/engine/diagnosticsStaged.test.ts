// The staged diagnostics (lib/scenario/diagnosticsJob runDiagnosticsStaged: each analysis stage
// computed as soon as its runs are in) give exactly the two-step result, runDiagnostics then
// computeDiagnostics, on the built-in model through the Node engine port: quantized with the noise
// floor, with applied Q-ROAR scales (the compared run is then the Q-ROAR one), and not quantized.
import { describe, expect, it } from 'vitest';
import { computeDiagnostics } from '../../lib/scenario/diagnosticsCompute';
import { deferToMacrotask, runDiagnostics, runDiagnosticsStaged } from '../../lib/scenario/diagnosticsJob';
import { planScenario } from '../../lib/scenario/plan';
import { defaultSettings, type Settings } from '../../lib/settings/settings';
import { openScenarioModel, scenarioPlanModel } from '../scenario/model';
import { REPO } from '../testing/spawnCli';
import { configureNodeEngines } from './nodeRunner';
import { createNodeEnginePort } from './nodePort';
import { join } from 'node:path';

describe('staged diagnostics', () => {
  it('equal the two-step result exactly: quantized with the floor, with Q-ROAR scales, and full precision only', async () => {
    await configureNodeEngines({ device: 'cpu', threads: 2 });
    const model = await openScenarioModel('builtin');
    const tokens = await model.readTokens('test', 'text', join(REPO, 'public/text/brown-test.txt'));
    const planModel = scenarioPlanModel(model);
    const d = defaultSettings();
    const base: Settings = { ...d, targetContextTokens: 512, pi: { ...d.pi, factor: 2 }, compareMethods: [] };
    const scenarios: Array<[string, Settings]> = [
      ['quantized + noise floor', base],
      ['quantized + Q-ROAR scales', { ...base, appliedScales: [1.1, 1, 1, 0.9] }],
      ['full precision only', { ...base, weightQuant: null }],
    ];
    for (const [name, settings] of scenarios) {
      const plan = planScenario(settings, planModel);
      const port = createNodeEnginePort(model);
      const twoStep = await runDiagnostics(plan, port, tokens, () => {});
      const expected = computeDiagnostics(twoStep.input);
      const staged = await runDiagnosticsStaged(plan, port, tokens, () => {}, deferToMacrotask);
      expect(staged.result, name).toEqual(expected);
      expect(staged.quantSkipped, name).toBe(twoStep.quantSkipped);
      if (name === 'quantized + Q-ROAR scales') expect(staged.result.quantVariant).toBe('ptq+qroar');
      if (name === 'full precision only') expect(staged.result.logitErrorDistance).toBeNull();
      else expect(staged.result.logitErrorDistance?.noiseFloorRmsTotal?.length, name).toBeGreaterThan(0);
    }
  }, 120_000);
});
