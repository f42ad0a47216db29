import { describe, expect, it } from 'vitest';
import { BudgetExceededError } from './errors';
import { DEFAULT_LAYER_CACHE_BYTES, planEngine } from './enginePlan';
import { runBudget } from './runBudget';
import { specFromHfConfig } from './hfConfig';
import { RESEARCH_CONFIGS } from './testing/researchConfigs';
import { tinyHfConfig } from './testing/tinyModels';

const llama1b = specFromHfConfig(RESEARCH_CONFIGS['Llama-3.2-1B']);
const GIB = 1024 ** 3;
const fp = { weights: { kind: 'float32' as const } };
const w4 = { weights: { kind: 'rtn' as const, bits: 4, groupSize: 32, symmetric: false, format: 'nbits' as const } };
const memory = (gib: number) => ({ budgetBytes: gib * GIB, reason: 'test' });

describe('planEngine', () => {
  it('auto: a small model runs as the whole graph; a 1B model (5 GB protobuf) streams one float32 layer at a time', () => {
    const tiny = planEngine(specFromHfConfig(tinyHfConfig({ num_hidden_layers: 4 })), fp, 512, memory(8), { engine: 'auto', what: 'eval' });
    expect([tiny.engine, tiny.layerGroupSize, tiny.layerCacheBytes]).toEqual(['whole-graph', 4, 0]);
    const big = planEngine(llama1b, fp, 512, memory(16), { engine: 'auto', what: 'eval' });
    expect([big.engine, big.layerGroupSize, big.layerCacheBytes]).toEqual(['layer-streamed', 1, DEFAULT_LAYER_CACHE_BYTES]);
    // 4-bit codes: ~38 MiB a layer, so six layers fit the default 256 MiB group.
    expect(planEngine(llama1b, w4, 512, memory(16), { engine: 'layered', what: 'eval' }).layerGroupSize).toBe(6);
  });

  it('layered with every layer in one group for a small model; a forced group size is kept; the cache gets what the budget leaves', () => {
    const spec = specFromHfConfig(tinyHfConfig({ num_hidden_layers: 4 }));
    const p = planEngine(spec, fp, 64, memory(8), { engine: 'layered', what: 'eval' });
    expect([p.engine, p.layerGroupSize, p.budget.engine]).toEqual(['layer-streamed', 4, 'layer-streamed']);
    expect(planEngine(spec, fp, 64, memory(8), { engine: 'auto', layerGroupSize: 2, what: 'eval' }).layerGroupSize).toBe(2);
    const roomy = planEngine(llama1b, fp, 512, memory(16), { engine: 'layered', what: 'eval' });
    const bare = runBudget(llama1b, { ...fp, engine: 'layer-streamed', layerGroupSize: roomy.layerGroupSize, layerCacheBytes: 0 }, 512).peakBytes;
    // 1000 cached bytes cost 1100 with the 10 % layer-streamed slack (one byte held back for its rounding).
    const tight = planEngine(llama1b, fp, 512, { budgetBytes: bare + 1100, reason: 'r' }, { engine: 'layered', what: 'eval' });
    expect(tight.layerCacheBytes).toBe(999);
    expect(tight.budget.peakBytes).toBeLessThanOrEqual(bare + 1100);
  });

  it('refuses a run that does not fit one layer at a time, with the numbers', () => {
    expect(() => planEngine(llama1b, fp, 512, memory(1), { engine: 'auto', what: 'eval at 512 tokens' })).toThrow(BudgetExceededError);
    expect(() => planEngine(llama1b, fp, 512, memory(1), { engine: 'auto', what: 'eval at 512 tokens' })).toThrow(
      /^eval at 512 tokens does not fit even layer-streamed \(1 layer\(s\) per group\): needs 1\.\d\d GiB at peak \(\d+ bytes; largest item: .*\), available 1\.00 GiB \(1073741824 bytes\): test$/,
    );
  });
});
