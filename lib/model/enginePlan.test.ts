import { describe, expect, it } from 'vitest';
import { BudgetExceededError } from './errors';
import { DEFAULT_LAYER_CACHE_BYTES, decoderLinearDtypes, fullPrecisionStorage, nbitsFeed, planEngine, type EngineDeviceFacts } from './enginePlan';
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

describe('float16 full-precision storage (the device facts decide)', () => {
  // Fake device facts: what the worker reads from navigator.gpu's adapter and the CLI from its probe.
  const webgpuF16: EngineDeviceFacts = { ep: 'webgpu', shaderF16: true };
  const webgpuNoF16: EngineDeviceFacts = { ep: 'webgpu', shaderF16: false };
  const wasm: EngineDeviceFacts = { ep: 'wasm', shaderF16: false };
  const cpu: EngineDeviceFacts = { ep: 'cpu', shaderF16: false };
  const bf16 = Array<string>(7 * 16).fill('BF16');

  it('float16 only on WebGPU with shader-f16, and only for checkpoints stored in 16-bit floats', () => {
    expect(fullPrecisionStorage(webgpuF16, bf16)).toBe('float16');
    expect(fullPrecisionStorage(webgpuF16, ['F16', 'BF16'])).toBe('float16');
    expect(fullPrecisionStorage(webgpuNoF16, bf16)).toBe('float32');
    expect(fullPrecisionStorage(wasm, bf16)).toBe('float32');
    expect(fullPrecisionStorage(cpu, bf16)).toBe('float32');
    // float16 would round an F32 checkpoint's weights (a different model), or one linear of it.
    expect(fullPrecisionStorage(webgpuF16, ['F32'])).toBe('float32');
    expect(fullPrecisionStorage(webgpuF16, ['BF16', 'F32'])).toBe('float32');
    expect(fullPrecisionStorage(webgpuF16, ['BF16', 'unknown'])).toBe('float32');
    expect(fullPrecisionStorage(webgpuF16, [])).toBe('float32');
  });

  it('planEngine: a streamed FP run on such a device is planned and priced with 2-byte linears; quantized runs, the whole graph and other devices stay float32', () => {
    const device = { facts: webgpuF16, linearDtypes: bf16 };
    const half = planEngine(llama1b, fp, 512, memory(16), { engine: 'layered', layerGroupSize: 1, what: 'eval' }, device);
    const full = planEngine(llama1b, fp, 512, memory(16), { engine: 'layered', layerGroupSize: 1, what: 'eval' });
    expect(half.weightStorage).toBe('float16');
    expect(full.weightStorage).toBe('float32');
    const item = (p: typeof half, key: string) => p.budget.items.find((i) => i.key === key)?.bytes ?? 0;
    // Llama-3.2-1B: 60 817 408 linear weights a layer, norms 2·2048 float32.
    expect(item(half, 'group-weights')).toBe(2 * 60_817_408 + 4 * 2 * 2048);
    expect(item(full, 'group-weights')).toBe(4 * 60_817_408 + 4 * 2 * 2048);
    expect(item(half, 'f16-cast')).toBe(4 * 8192 * 2048);
    expect(half.budget.peakBytes).toBeLessThan(full.budget.peakBytes);
    // Twice the layers per cached byte: 5 in the default cache instead of 2.
    expect(half.layerCacheBytes).toBe(DEFAULT_LAYER_CACHE_BYTES);
    expect(Math.floor(half.layerCacheBytes / item(half, 'group-weights'))).toBe(5);
    expect(planEngine(llama1b, w4, 512, memory(16), { engine: 'layered', what: 'eval' }, device).weightStorage).toBe('float32');
    const tiny = specFromHfConfig(tinyHfConfig({ num_hidden_layers: 4 }));
    expect(planEngine(tiny, fp, 64, memory(8), { engine: 'auto', what: 'eval' }, { facts: webgpuF16, linearDtypes: ['F16'] }).weightStorage).toBe('float32');
    expect(planEngine(llama1b, fp, 512, memory(16), { engine: 'layered', what: 'eval' }, { facts: wasm, linearDtypes: bf16 }).weightStorage).toBe('float32');
  });

  it('MatMulNBits codes are fed expanded to float32 on the CPU EP only, and then priced like fake quant (codes cached, float32 group)', () => {
    expect([nbitsFeed(cpu), nbitsFeed(wasm), nbitsFeed(webgpuF16), nbitsFeed(webgpuNoF16)]).toEqual(['float32', 'codes', 'codes', 'codes']);
    const choice = { engine: 'layered' as const, layerGroupSize: 1, what: 'eval' };
    const onCpu = planEngine(llama1b, w4, 512, memory(16), choice, { facts: cpu, linearDtypes: bf16 });
    const onGpu = planEngine(llama1b, w4, 512, memory(16), choice, { facts: webgpuF16, linearDtypes: bf16 });
    const fake = planEngine(llama1b, { weights: { ...w4.weights, format: 'fake' as const } }, 512, memory(16), choice);
    expect([onCpu.nbitsFeed, onGpu.nbitsFeed, planEngine(llama1b, w4, 512, memory(16), choice).nbitsFeed]).toEqual(['float32', 'codes', 'codes']);
    expect(onCpu.budget.peakBytes).toBe(fake.budget.peakBytes);
    expect(onGpu.budget.peakBytes).toBeLessThan(onCpu.budget.peakBytes);
  });

  it('decoderLinearDtypes lists each layer’s seven linears as stored, following aliases', () => {
    const spec = specFromHfConfig(tinyHfConfig({ num_hidden_layers: 2 }));
    const tensors = [
      { name: 'model.layers.0.self_attn.q_proj.weight', dtype: 'BF16', shape: [], sizeBytes: 0, fileTensorName: '', fileName: '' },
      { name: 'model.layers.1.mlp.down_proj.weight', dtype: 'F16', shape: [], sizeBytes: 0, fileTensorName: '', fileName: '' },
    ];
    const dtypes = decoderLinearDtypes({ spec, tensors, resolveTensorName: (n) => (tensors.some((t) => t.name === n) ? n : undefined) });
    expect(dtypes.length).toBe(14);
    expect(dtypes[0]).toBe('BF16');
    expect(dtypes[13]).toBe('F16');
    expect(dtypes.filter((d) => d === 'unknown').length).toBe(12);
  });
});
