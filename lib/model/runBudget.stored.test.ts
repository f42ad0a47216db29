// runBudget / planEngine for a GGUF whose decoder linears run as the file's own Q4_0 / Q8_0 blocks
// repacked for MatMulNBits (StoredLinears; lib/quant/gguf/toMatMulNBits: block 32, one float32
// scale a block, no zero points) — every number by hand on the Llama-3.2-1B shape.
import { describe, expect, it } from 'vitest';
import { planEngine } from './enginePlan';
import { specFromHfConfig } from './hfConfig';
import { RUNTIME_ALLOWANCE_BYTES, runBudget, type StoredLinears } from './runBudget';
import { RESEARCH_CONFIGS } from './testing/researchConfigs';

const llama1b = specFromHfConfig(RESEARCH_CONFIGS['Llama-3.2-1B']);
const item = (b: ReturnType<typeof runBudget>, key: string) => b.items.find((i) => i.key === key)?.bytes ?? 0;
const all = (bits: 4 | 8): StoredLinears => ({ bits: { q: bits, k: bits, v: bits, o: bits, gate: bits, up: bits, down: bits } });

// Linear elements per layer: q, o 2048·2048; k, v 512·2048; gate, up, down 8192·2048 = 60 817 408; norms 2·2048.
const LAYER_F32 = 4 * 60_817_408 + 4 * 2 * 2048;
const EMBED_F32 = 4 * 128_256 * 2048;
// Q4_0 as MatMulNBits, per row: K = 2048 → 64 blocks × (16 code bytes + 4 scale bytes) = 1280; K = 8192 → 256 × 20 = 5120.
const LAYER_Q4_0 = 2 * 2048 * 1280 + 2 * 512 * 1280 + 2 * 8192 * 1280 + 2048 * 5120 + 4 * 2 * 2048; // 39 337 984
// Q8_0: 32 code bytes + 4 scale bytes a block → 64 × 36 = 2304, 256 × 36 = 9216.
const LAYER_Q8_0 = 2 * 2048 * 2304 + 2 * 512 * 2304 + 2 * 8192 * 2304 + 2048 * 9216 + 4 * 2 * 2048;

describe('runBudget: linears held as the file’s own MatMulNBits blocks', () => {
  it('whole graph: a Q4_0 file is priced at its codes, smaller than the F32 file by three copies of the difference', () => {
    const T = 4096;
    const f32 = runBudget(llama1b, { weights: { kind: 'float32' }, layerGroupSize: 16 }, T);
    const q40 = runBudget(llama1b, { weights: { kind: 'float32' }, storedLinears: all(4), layerGroupSize: 16 }, T);
    const protobuf = 16 * LAYER_Q4_0 + EMBED_F32 + 4 * 2048;
    expect(q40.refusal).toBeNull(); // 1.68 GiB in one protobuf, where the F32 file's 4.6 GiB are refused
    expect(f32.refusal).not.toBeNull();
    expect(q40.largestProtobufBytes).toBe(protobuf);
    for (const key of ['assembled', 'onnx-bytes', 'ort-weights']) expect(item(q40, key), key).toBe(protobuf);
    expect(item(q40, 'transposed')).toBe(0); // no float linear left to transpose
    // Both peak while running: runtime + assembled + ONNX bytes + ORT's copy + the tied embedding's prepack + activations.
    expect(q40.peakPhase).toBe('run');
    expect(f32.peakPhase).toBe('run');
    expect(f32.peakBytes - q40.peakBytes).toBe(3 * 16 * (LAYER_F32 - LAYER_Q4_0));
    expect(q40.peakBytes).toBeGreaterThan(RUNTIME_ALLOWANCE_BYTES + 3 * protobuf + EMBED_F32);
    const q80 = runBudget(llama1b, { weights: { kind: 'float32' }, storedLinears: all(8), layerGroupSize: 16 }, T);
    expect(item(q80, 'onnx-bytes')).toBe(16 * LAYER_Q8_0 + EMBED_F32 + 4 * 2048);
  });

  it('kept float32 sources leave the stored linears out, and the codes are new arrays', () => {
    const spec = specFromHfConfig({ ...RESEARCH_CONFIGS['Llama-3.2-1B'], num_hidden_layers: 2 });
    const kept = runBudget(spec, { weights: { kind: 'float32' }, storedLinears: all(4), layerGroupSize: 2, sourceTensors: 'kept' }, 512);
    expect(item(kept, 'source-f32')).toBe(2 * 4 * 2 * 2048 + EMBED_F32 + 4 * 2048); // norms, embedding, final norm
    expect(item(kept, 'assembled')).toBe(2 * (LAYER_Q4_0 - 4 * 2 * 2048));
  });

  it('only the stored slots change; RTN ignores them (it quantizes the dequantized weights)', () => {
    const mlpOnly = runBudget(llama1b, { weights: { kind: 'float32' }, storedLinears: { bits: { down: 4 } }, layerGroupSize: 16 }, 1024);
    const f32 = runBudget(llama1b, { weights: { kind: 'float32' }, layerGroupSize: 16 }, 1024);
    expect(item(f32, 'onnx-bytes') - item(mlpOnly, 'onnx-bytes')).toBe(16 * (4 * 2048 * 8192 - 2048 * 5120));
    const rtn = { kind: 'rtn' as const, bits: 4, groupSize: 32, symmetric: false, format: 'nbits' as const };
    expect(runBudget(llama1b, { weights: rtn, storedLinears: all(8), layerGroupSize: 16 }, 1024)).toEqual(
      runBudget(llama1b, { weights: rtn, layerGroupSize: 16 }, 1024),
    );
  });

  it('layer-streamed: cached as codes; fed as codes, or as their float32 expansion (the CPU EP)', () => {
    const codes = runBudget(llama1b, { weights: { kind: 'float32' }, storedLinears: all(4), layerGroupSize: 1, layerCacheBytes: 1e15 }, 1024);
    expect(item(codes, 'group-weights')).toBe(LAYER_Q4_0);
    expect(item(codes, 'layer-cache')).toBe(16 * LAYER_Q4_0);
    const expanded = runBudget(
      llama1b,
      { weights: { kind: 'float32' }, storedLinears: { ...all(4), feed: 'float32' }, layerGroupSize: 1, layerCacheBytes: 1e15 },
      1024,
    );
    expect(item(expanded, 'group-weights')).toBe(LAYER_F32);
    expect(item(expanded, 'layer-cache')).toBe(16 * LAYER_Q4_0);
    expect(expanded.items.find((i) => i.key === 'layer-cache')!.label).toMatch(/file’s blocks kept as MatMulNBits codes/);
  });

  it('planEngine streams with the device’s feed and runs the whole graph with codes', () => {
    const memory = { budgetBytes: 3 * 1024 ** 3, reason: 'test' };
    const scenario = { weights: { kind: 'float32' as const }, storedLinears: all(4) };
    const cpu = planEngine(
      llama1b,
      scenario,
      1024,
      memory,
      { engine: 'layered', what: 'test' },
      { facts: { ep: 'cpu', shaderF16: false }, linearDtypes: ['Q4_0'] },
    );
    expect(cpu.nbitsFeed).toBe('float32');
    expect(cpu.weightStorage).toBe('float32');
    expect(item(cpu.budget, 'group-weights')).toBe(cpu.layerGroupSize * LAYER_F32);
    const gpu = planEngine(
      llama1b,
      scenario,
      1024,
      memory,
      { engine: 'layered', what: 'test' },
      { facts: { ep: 'webgpu', shaderF16: true }, linearDtypes: ['Q4_0'] },
    );
    expect(gpu.nbitsFeed).toBe('codes');
    expect(item(gpu.budget, 'group-weights')).toBe(gpu.layerGroupSize * LAYER_Q4_0);
    const whole = planEngine(llama1b, scenario, 1024, { budgetBytes: 16 * 1024 ** 3, reason: 'test' }, { engine: 'auto', what: 'test' });
    expect(whole.engine).toBe('whole-graph');
    expect(item(whole.budget, 'onnx-bytes')).toBe(16 * LAYER_Q4_0 + EMBED_F32 + 4 * 2048);
  });
});
