import { describe, expect, it } from 'vitest';
import { bandsFor } from '../rope/bands';
import { applyInterpolation } from '../rope/interpolation';
import type { RopeConfig } from '../rope/types';
import { defaultSettings, type Settings } from '../settings/settings';
import { planScenario, requireBands, type PlanModel } from './plan';
import { SEARCH_DEFAULTS } from './searchPlan';

// The built-in model (public/models/bandscope-byte-4m/config.json): head_dim 64, θ 1e4, L 256, 4 layers.
const rope: RopeConfig = { type: 'default', thetaBase: 10000, headDim: 64, rotaryDim: 64, maxPositionEmbeddings: 256 };
const model: PlanModel = {
  id: 'builtin:bandscope-byte-4m',
  identity: 'abc',
  rope,
  trainedWindow: { windowTokens: 256 },
  spec: { numLayers: 4, numHeads: 4, numKvHeads: 4, headDim: 64, vocabSize: 259 },
};

describe('planScenario', () => {
  it('the default scenario: dynamic ×8 to 2048 over L = 256, w2g32a on every linear, no KV quant', () => {
    const plan = planScenario(defaultSettings(), model);
    expect(plan.trainedWindowTokens).toBe(256);
    expect(plan.contextTokens).toBe(2048);
    expect(plan.shortContextTokens).toBe(256);
    // Powers of two from L/4 = 64 to L′.
    expect(plan.contexts).toEqual([64, 128, 256, 512, 1024, 2048]);
    expect(plan.rope).toEqual(applyInterpolation(rope, { method: 'dynamic', factor: 8, betaFast: 32, betaSlow: 1, lowFreqFactor: 1, highFreqFactor: 4 }));
    expect(plan.bands).toEqual(bandsFor({ kind: 'equal-log', count: 4 }, plan.rope));
    expect(plan.quant).toEqual({ quant: { kind: 'rtn', bits: 2, groupSizeColumns: 32, symmetric: false, layers: 'all' }, kv: null });
    expect(plan.blocked).toBeNull();
    expect(plan.qroar).toBeNull();
    expect(plan.curves.map((c) => c.key)).toEqual(['dynamic/fp', 'dynamic/ptq', 'yarn/fp', 'yarn/ptq']);
    expect(plan.scoring).toEqual({ mode: 'bandscope', bosId: null });
    expect(plan.search).toBe(SEARCH_DEFAULTS);
    expect(plan.ropeOf('dynamic')).toBe(plan.rope);
    expect(plan.ropeOf('yarn').type).toBe('yarn');
  });

  it('the scoring’s BOS: from the tokenizer when it is there, else from the carried bosId (a worker’s model), else none', () => {
    // Byte ids 0–255 with BOS 256 added at the start (addedBosId: 256).
    const withBos: PlanModel['tokenizer'] = { kind: 'bytes', vocabSize: 256, bos: 256, eos: null };
    expect(planScenario(defaultSettings(), { ...model, tokenizer: withBos }).scoring).toEqual({ mode: 'bandscope', bosId: 256 });
    expect(planScenario(defaultSettings(), { ...model, bosId: 256 }).scoring).toEqual({ mode: 'bandscope', bosId: 256 });
    // The tokenizer is the rule when both travel.
    expect(planScenario(defaultSettings(), { ...model, tokenizer: withBos, bosId: 7 }).scoring.bosId).toBe(256);
    expect(planScenario(defaultSettings(), { ...model, bosId: null }).scoring.bosId).toBeNull();
  });

  it('reads L from the loader’s trained window, not from the rope', () => {
    const plan = planScenario(defaultSettings(), { ...model, trainedWindow: { windowTokens: 1024 } });
    expect(plan.shortContextTokens).toBe(1024);
    expect(plan.contexts).toEqual([256, 512, 1024, 2048]);
  });

  it('applied scales: a Q-ROAR build on the main method’s bands, or the reason they do not fit', () => {
    const s: Settings = { ...defaultSettings(), appliedScales: [1.1, 1, 1, 0.9] };
    const plan = planScenario(s, model);
    expect(plan.qroar).toEqual({ variant: 'shared', bands: plan.bands, scales: [1.1, 1, 1, 0.9] });
    expect(plan.qroarProblem).toBeNull();
    const bad = planScenario({ ...s, appliedScales: [1, 1] }, model);
    expect(bad.qroar).toBeNull();
    expect(bad.qroarProblem).toBe('the applied Q-ROAR scales have 2 values for 4 bands; apply scales for the current band partition');
  });

  it('a band partition the head cannot hold fails only the jobs that read bands (a 4-dim head has 2 pairs for 4 bands)', () => {
    const tiny: PlanModel = { ...model, rope: { ...rope, headDim: 4, rotaryDim: 4 }, spec: { ...model.spec!, headDim: 4 } };
    const plan = planScenario(defaultSettings(), tiny);
    expect(plan.bands).toEqual([]);
    expect(plan.bandsProblem).toMatch(/2 pairs into 4 bands/);
    expect(plan.curves.length).toBeGreaterThan(0);
    expect(() => requireBands(plan)).toThrow(/2 pairs into 4 bands/);
    expect(planScenario({ ...defaultSettings(), appliedScales: [1, 1, 1, 1] }, tiny).qroarProblem).toMatch(/2 pairs into 4 bands/);
    expect(requireBands(planScenario(defaultSettings(), model))).toHaveLength(4);
  });

  it('a Hadamard cache on a head dim that is not a power of two is blocked, with the number', () => {
    const kvQuant = { bits: 8 as const, keys: true, values: true, grouping: 'token' as const, keyStage: 'post' as const, hadamard: true };
    const plan = planScenario({ ...defaultSettings(), kvQuant }, { ...model, spec: { ...model.spec!, headDim: 96 } });
    expect(plan.blocked).toMatch(/96/);
    expect(plan.quant?.kv).toEqual({ bits: 8, granularity: 'token', keyRope: 'post', target: 'kv', hadamard: true });
  });
});

describe('plan.key', () => {
  const s = defaultSettings();
  const curve = (settings: Settings, method = settings.pi.method, variant: 'fp' | 'ptq' | 'ptq+qroar' | 'fp+qroar' = 'fp', text = 'brown') =>
    planScenario(settings, model).key({ kind: 'curve', method, variant, text });

  it('a full-precision curve does not move with the weight quantization; the PTQ curve does', () => {
    const w4 = { ...s, weightQuant: { bits: 4, group: 32 as const, symmetric: false, layers: 'all' as const } };
    expect(curve(w4)).toBe(curve(s));
    expect(curve(w4, 'dynamic', 'ptq')).not.toBe(curve(s, 'dynamic', 'ptq'));
  });

  it('an overlay’s curve does not move with the main method; its own PI parameters and the text do move it', () => {
    expect(curve({ ...s, pi: { ...s.pi, method: 'ntk' } }, 'yarn')).toBe(curve(s, 'yarn'));
    expect(curve({ ...s, pi: { ...s.pi, factor: 4 } }, 'yarn')).not.toBe(curve(s, 'yarn'));
    expect(curve(s, 'yarn', 'fp', 'user:a.txt:10:1')).not.toBe(curve(s, 'yarn'));
    expect(curve({ ...s, device: 'webgpu' })).not.toBe(curve(s));
  });

  it('applied scales key only the Q-ROAR curves', () => {
    const g = { ...s, appliedScales: [1.1, 1, 1, 0.9] };
    expect(curve(g, 'dynamic', 'ptq')).toBe(curve(s, 'dynamic', 'ptq'));
    expect(curve(g, 'dynamic', 'ptq+qroar')).not.toBe(curve({ ...g, appliedScales: [1, 1, 1, 0.9] }, 'dynamic', 'ptq+qroar'));
  });

  it('the diagnostics key moves with what changes their numbers and not with the overlays', () => {
    const d = (settings: Settings) => planScenario(settings, model).key({ kind: 'diagnostics', text: 'brown-dev' });
    expect(d({ ...s, compareMethods: [] })).toBe(d(s));
    expect(d({ ...s, tirQuantile: 0.99 })).not.toBe(d(s));
    expect(d({ ...s, bands: { kind: 'yarn' } })).not.toBe(d(s));
    expect(d({ ...s, appliedScales: [1, 1, 1, 1] })).not.toBe(d(s));
    expect(d(s)).not.toBe(curve(s));
  });

  it('pinned contexts, windows, weight format, KV calibration and a scales file (bandscope eval): in the plan and the curve keys; unpinned keys unchanged', () => {
    const plain = planScenario(s, model);
    expect(plain).toMatchObject({ windows: null, quantFormat: null, kvCalibrationTokens: null });
    const job = { kind: 'curve', method: 'dynamic', variant: 'ptq', text: 'brown' } as const;
    expect(planScenario(s, model, {}).key(job)).toBe(plain.key(job));
    const pinned = planScenario(s, model, { contexts: [1024, 256, 1024], windows: 2, quantFormat: 'nbits', kvCalibrationTokens: 128 });
    expect(pinned.contexts).toEqual([256, 1024]);
    expect(pinned).toMatchObject({ windows: 2, quantFormat: 'nbits', kvCalibrationTokens: 128, contextTokens: 2048 });
    const keys = new Set([
      plain.key(job),
      planScenario(s, model, { contexts: [256, 1024] }).key(job),
      planScenario(s, model, { windows: 2 }).key(job),
      planScenario(s, model, { windows: 'all' }).key(job),
      planScenario(s, model, { quantFormat: 'nbits' }).key(job),
      planScenario(s, model, { kvCalibrationTokens: 128 }).key(job),
    ]);
    expect(keys.size).toBe(6);
    // A scales file's per-layer scales replace the applied ones and key the Q-ROAR curves.
    const bands = bandsFor({ kind: 'equal-log', count: 4 }, rope);
    const file = planScenario(s, model, {
      qroar: {
        variant: 'shared',
        bands,
        scales: [
          [1, 1, 1, 1.2],
          [1, 1, 1, 1.1],
          [1, 1, 1, 1],
          [1, 1, 1, 1],
        ],
      },
    });
    expect(file.qroar?.scales).toHaveLength(4);
    const q = { ...job, variant: 'ptq+qroar' } as const;
    expect(file.key(q)).not.toBe(planScenario(s, model, { qroar: { variant: 'shared', bands, scales: [1, 1, 1, 1.2] } }).key(q));
    expect(() => planScenario(s, model, { contexts: [1] })).toThrow(/integers ≥ 2/);
    expect(() => planScenario(s, model, { windows: 0 })).toThrow(/windows/);
  });
});
