// The jobs of lib/scenario over a recording engine port: which builds each job opens (and so
// which sessions it shares), checked against the plan by hand; numbers through a constant engine.
import { describe, expect, it } from 'vitest';
import type { NllEngine } from '../eval/engine';
import type { RopeConfig } from '../rope/types';
import { defaultSettings, type Settings } from '../settings/settings';
import { runCurve, curveEngineBuild } from './curveRun';
import { diagnosticsEngineBuild } from './diagnosticsJob';
import type { EngineBuild } from './engineBuild';
import type { EnginePortOpenOptions, ScenarioEnginePort } from './enginePort';
import { engineSessionKey } from './key';
import { planScenario, type PlanModel } from './plan';
import { searchEngineBuild, searchJobOf } from './searchRun';

// The built-in model (public/models/bandscope-byte-4m/config.json): head_dim 64, θ 1e4, L 256, 4 layers × 4 heads, 259 tokens.
const rope: RopeConfig = { type: 'default', thetaBase: 10000, headDim: 64, rotaryDim: 64, maxPositionEmbeddings: 256 };
const model: PlanModel = {
  id: 'builtin:bandscope-byte-4m',
  identity: 'abc',
  rope,
  trainedWindow: { windowTokens: 256 },
  spec: { numLayers: 4, numHeads: 4, numKvHeads: 4, headDim: 64, vocabSize: 259 },
};
const key = (b: EngineBuild) => engineSessionKey(model.id, 'wasm', b);

/** A port whose engines return NLL `nats` at every position, recording each open. */
function constantPort(nats: number) {
  const opened: Array<{ build: EngineBuild; options: EnginePortOpenOptions }> = [];
  const port: ScenarioEnginePort = {
    async open(build, options = {}): Promise<NllEngine> {
      opened.push({ build, options });
      return {
        device: 'test',
        seqLen: build.seqLen,
        run: async ({ ids }) => ({ nll: new Float32Array(ids.length - 1).fill(nats) }),
        dispose: async () => {},
      };
    },
  };
  return { port, opened };
}

describe('perplexity curve job', () => {
  it('opens the plan’s builds; a constant NLL of ln 3 is a perplexity of 3 at every context', async () => {
    const s: Settings = { ...defaultSettings(), compareMethods: [], pi: { ...defaultSettings().pi, method: 'linear' } };
    const plan = planScenario(s, model);
    const { port, opened } = constantPort(Math.log(3));
    const tokens = Int32Array.from({ length: 4096 }, (_, i) => i % 259);
    const ptq = plan.curves.find((c) => c.variant === 'ptq')!;
    const result = await runCurve(plan, ptq, port, tokens, () => {});
    expect(result.curve.contextTokens).toEqual(plan.contexts);
    expect(result.curve.perplexity).toHaveLength(plan.contexts.length);
    for (const ppl of result.curve.perplexity) expect(ppl).toBeCloseTo(3, 5);
    // Linear PI is length-independent: one graph at L′, every context read from its prefixes.
    expect(opened.map((o) => o.build.seqLen)).toEqual([2048]);
    expect(opened[0].build.quant).toEqual(plan.quant!.quant);
    expect(opened[0].options.kvCalibration?.rope).toBe(plan.rope);
  });

  it('refuses a blocked quantized variant with the plan’s reason, and Q-ROAR curves without fitting scales', async () => {
    const kvQuant = { bits: 8 as const, keys: true, values: true, grouping: 'token' as const, keyStage: 'post' as const, hadamard: true };
    const blocked = planScenario({ ...defaultSettings(), kvQuant }, { ...model, spec: { ...model.spec!, headDim: 96 } });
    const { port } = constantPort(1);
    await expect(runCurve(blocked, { key: 'x', method: 'dynamic', variant: 'ptq' }, port, new Int32Array(4096), () => {})).rejects.toThrow(/96/);
    const bad = planScenario({ ...defaultSettings(), appliedScales: [1, 1] }, model);
    expect(() => curveEngineBuild(bad, { variant: 'ptq+qroar' }, 2048)).toThrow(/2 values for 4 bands/);
  });
});

describe('shared sessions: a curve’s graph at the diagnostics’ lengths is the diagnostics’ graph', () => {
  it('FP, PTQ and PTQ + Q-ROAR at L′ and S key the same session as the diagnostics run; other lengths do not carry taps', () => {
    const plan = planScenario({ ...defaultSettings(), appliedScales: [1.1, 1, 1, 0.9] }, model);
    const L = plan.contextTokens;
    const S = plan.shortContextTokens;
    expect(key(curveEngineBuild(plan, { variant: 'fp' }, L))).toBe(key(diagnosticsEngineBuild(plan, 'fp', L, true)));
    expect(key(curveEngineBuild(plan, { variant: 'fp' }, S))).toBe(key(diagnosticsEngineBuild(plan, 'fp', S, false)));
    expect(key(curveEngineBuild(plan, { variant: 'ptq' }, L))).toBe(key(diagnosticsEngineBuild(plan, 'ptq', L, true)));
    expect(key(curveEngineBuild(plan, { variant: 'ptq+qroar' }, L))).toBe(key(diagnosticsEngineBuild(plan, 'ptq+qroar', L, true)));
    expect(curveEngineBuild(plan, { variant: 'fp' }, 512).tapLayers).toBeUndefined();
    // The Q-ROAR control has no diagnostics twin.
    expect(curveEngineBuild(plan, { variant: 'fp+qroar' }, L).tapLayers).toBeUndefined();
    // The noise floor's float16 twin is its own graph.
    expect(key(diagnosticsEngineBuild(plan, 'fp16', L, true))).not.toBe(key(diagnosticsEngineBuild(plan, 'fp', L, true)));
  });
});

describe('search job of a plan', () => {
  it('S = min(L, L′), the plan’s contexts, FP control without quantization and the same scales', () => {
    const plan = planScenario(defaultSettings(), model);
    const job = searchJobOf(plan, {
      devTokens: new Int32Array(8),
      testTokens: new Int32Array(8),
      gridPoints: 9,
      guardTolerance: 0.005,
      window: { lo: 0.8, hi: 1.25 },
      windows: 4,
    });
    expect([job.contextTokens, job.shortContextTokens]).toEqual([2048, 256]);
    expect(job.reportContexts).toEqual(plan.contexts);
    expect(job.keysQuantized).toBe(false);
    const ptq = searchEngineBuild(plan, { precision: 'quantized', scales: [1, 1.1, 1, 1] }, 2048);
    const fp = searchEngineBuild(plan, { precision: 'fp', scales: [1, 1.1, 1, 1], kTapLayers: [0, 1] }, 256);
    expect(ptq).toEqual({ seqLen: 2048, quant: plan.quant!.quant, kv: null, qroar: { variant: 'shared', bands: plan.bands, scales: [1, 1.1, 1, 1] } });
    expect(fp).toEqual({ seqLen: 256, qroar: { variant: 'shared', bands: plan.bands, scales: [1, 1.1, 1, 1] }, tapLayers: [0, 1], tapQueries: false });
    // Nothing quantized (the CLI allows --quant none): both precisions are the FP model with the scales.
    expect(searchEngineBuild(planScenario({ ...defaultSettings(), weightQuant: null }, model), { precision: 'quantized', scales: [1] }, 8)).toEqual({
      seqLen: 8,
      qroar: { variant: 'shared', bands: plan.bands, scales: [1] },
    });
  });
});
