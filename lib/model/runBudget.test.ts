import { describe, expect, it } from 'vitest';
import { BudgetExceededError } from './errors';
import { assertRunFits, weightPrecisionOf } from './budgetCheck';
import { specFromHfConfig } from './hfConfig';
import { PROTOBUF_LIMIT_BYTES, RUNTIME_ALLOWANCE_BYTES, runBudget, type RunScenario } from './runBudget';
import { RESEARCH_CONFIGS } from './testing/researchConfigs';

const llama1b = specFromHfConfig(RESEARCH_CONFIGS['Llama-3.2-1B']);
const W4G32A = weightPrecisionOf({ bits: 4, groupSize: 32, symmetric: false }, 'nbits');
const whole = (weights: RunScenario['weights']): RunScenario => ({ weights, layerGroupSize: llama1b.numLayers });
const item = (b: ReturnType<typeof runBudget>, key: string) => b.items.find((i) => i.key === key)?.bytes ?? 0;

// Llama-3.2-1B by hand. Linear elements per layer: q, o 2048·2048 = 4 194 304; k, v 512·2048 =
// 1 048 576; gate, up, down 8192·2048 = 16 777 216 → 60 817 408; norms 2·2048.
const LAYER_F32 = 4 * 60_817_408 + 4 * 2 * 2048; // 243 286 016
const EMBED_F32 = 4 * 128_256 * 2048; // 1 050 673 152, tied: stored once
// w4g32a MatMulNBits, per row: K = 2048 → 64 blocks × (16 code bytes + 4 scale bytes) + 32 zero-point
// bytes = 1312; K = 8192 → 256 × 20 + 128 = 5248. q, o: 2048 rows; k, v: 512; gate, up: 8192; down: 2048 × 5248.
const LAYER_W4 = 2 * 2048 * 1312 + 2 * 512 * 1312 + 2 * 8192 * 1312 + 2048 * 5248 + 4 * 2 * 2048; // 38 977 536

describe('runBudget: today’s whole-graph engine', () => {
  it('refuses Llama-3.2-1B in float32: one protobuf would hold 4.6 GiB of weights, over 2 GiB', () => {
    const b = runBudget(llama1b, whole({ kind: 'float32' }), 4096);
    expect(b.engine).toBe('whole-graph');
    expect(b.largestProtobufBytes).toBe(16 * LAYER_F32 + EMBED_F32 + 4 * 2048);
    expect(b.refusal).toMatch(/cannot exceed 2 GiB.*4\.60 GiB/);
    expect(() => assertRunFits(b, { budgetBytes: 1e15, reason: 'test' }, 'eval')).toThrow(BudgetExceededError);
  });

  it('itemises Llama-3.2-1B w4g32a (MatMulNBits) at 4096 tokens, peak by hand', () => {
    const b = runBudget(llama1b, whole(W4G32A), 4096);
    const protobuf = 16 * LAYER_W4 + EMBED_F32 + 4 * 2048; // 1 674 321 920 < 2 GiB
    expect(b.refusal).toBeNull();
    expect(b.largestProtobufBytes).toBe(protobuf);
    expect(item(b, 'assembled')).toBe(protobuf);
    expect(item(b, 'onnx-bytes')).toBe(protobuf);
    expect(item(b, 'ort-weights')).toBe(protobuf);
    expect(item(b, 'ort-prepack')).toBe(EMBED_F32);
    expect(item(b, 'transposed')).toBe(0); // no float linear left to transpose
    // One layer: residual 4·T·2048·4, q/k/v 3·T·(32+16)·64·4, MLP 3·T·8192·4.
    const activations = 16 * 4096 * 2048 + 3 * 4 * 4096 * 48 * 64 + 3 * 4 * 4096 * 8192;
    expect(item(b, 'activations')).toBe(activations);
    // 64 MiB / (32 heads · 4096 · 4) = 128 query rows; 64 MiB / (4096 · 4) = 4096 vocabulary rows.
    expect(item(b, 'attention')).toBe(3 * 4 * 32 * 128 * 4096);
    expect(item(b, 'head')).toBe(3 * 4 * 4096 * 4096);
    const run = protobuf + EMBED_F32 + activations + 2 * 3 * 64 * 1024 ** 2;
    expect(b.peakPhase).toBe('run');
    expect(b.peakBytes).toBe(RUNTIME_ALLOWANCE_BYTES + 2 * protobuf + run);
  });

  it('a worker that keeps float32 sources pays them once; full precision assembles those very arrays', () => {
    const spec = specFromHfConfig({ ...RESEARCH_CONFIGS['Llama-3.2-1B'], num_hidden_layers: 2 });
    const kept = runBudget(spec, { weights: { kind: 'float32' }, layerGroupSize: 2, sourceTensors: 'kept' }, 512);
    expect(item(kept, 'source-f32')).toBe(2 * LAYER_F32 + EMBED_F32 + 4 * 2048);
    expect(item(kept, 'assembled')).toBe(0);
    const keptW4 = runBudget(spec, { weights: W4G32A, layerGroupSize: 2, sourceTensors: 'kept' }, 512);
    expect(item(keptW4, 'assembled')).toBe(2 * LAYER_W4);
  });

  it('counts logits and taps twice (runtime buffer + caller copy)', () => {
    const spec = specFromHfConfig({ ...RESEARCH_CONFIGS['Llama-3.2-1B'], num_hidden_layers: 2 });
    const b = runBudget(spec, { weights: { kind: 'float32' }, layerGroupSize: 2, logits: true, tapLayerCount: 2 }, 512);
    expect(item(b, 'logits')).toBe(2 * 4 * 512 * 128_256);
    expect(item(b, 'taps')).toBe(2 * 2 * 4 * 512 * (2 * 32 + 2 * 8) * 64);
    // 64 MiB / (512 · 4) = 32 768 vocabulary rows: the tied chunk (268 MB) outweighs the logits (263 MB).
    expect(b.largestBufferName).toBe('tied embedding chunk');
    expect(b.largestBufferBytes).toBe(32_768 * 2048 * 4);
  });
});

describe('runBudget: layer-streamed groups (workers/engine/layeredSession.ts)', () => {
  it('one layer at a time: the embedding resident once, one copy of one layer, no protobuf of weights', () => {
    const b = runBudget(llama1b, { weights: { kind: 'float32' }, layerGroupSize: 1 }, 4096);
    expect(b.engine).toBe('layer-streamed');
    expect(b.refusal).toBeNull();
    expect(b.largestProtobufBytes).toBe(0);
    expect(item(b, 'resident-head')).toBe(EMBED_F32 + 4 * 2048);
    expect(item(b, 'group-weights')).toBe(LAYER_F32);
    expect(b.items.some((i) => i.key === 'onnx-bytes' || i.key === 'ort-weights')).toBe(false);
    expect(b.peakBytes).toBeLessThan(runBudget(llama1b, whole(W4G32A), 4096).peakBytes);
  });

  it('groups scale the group item; the layer cache counts up to every layer; float16 linears count 2 bytes streamed, 4 in the whole graph', () => {
    const f32 = runBudget(llama1b, { weights: { kind: 'float32' }, layerGroupSize: 4 }, 1024);
    const f16 = runBudget(llama1b, { weights: { kind: 'float16' }, layerGroupSize: 4 }, 1024);
    expect(item(f32, 'group-weights')).toBe(4 * LAYER_F32);
    expect(item(f16, 'group-weights')).toBe(4 * (2 * 60_817_408 + 4 * 2 * 2048));
    expect(item(f16, 'f16-cast')).toBe(4 * 8192 * 2048);
    const f16Cached = runBudget(llama1b, { weights: { kind: 'float16' }, layerGroupSize: 1, layerCacheBytes: 1e15 }, 1024);
    expect(item(f16Cached, 'layer-cache')).toBe(16 * (2 * 60_817_408 + 4 * 2 * 2048));
    const wholeF16 = runBudget(llama1b, { weights: { kind: 'float16' }, layerGroupSize: 16 }, 1024);
    expect(wholeF16.peakBytes).toBe(runBudget(llama1b, { weights: { kind: 'float32' }, layerGroupSize: 16 }, 1024).peakBytes);
    expect(wholeF16.assumptions).toContain('the whole graph has no float16 path: float16 is counted as float32');
    const cached = runBudget(llama1b, { weights: { kind: 'float32' }, layerGroupSize: 1, layerCacheBytes: 1e15 }, 1024);
    expect(item(cached, 'layer-cache')).toBe(16 * LAYER_F32);
  });

  it('layer-streamed fake-quant RTN: the cache counts its 4-bit codes (kept as codes), the group its float32; unpackable groupings stay float32', () => {
    const fake = weightPrecisionOf({ bits: 4, groupSize: 32, symmetric: false }, 'fake');
    const b = runBudget(llama1b, { weights: fake, layerGroupSize: 1, layerCacheBytes: 1e15 }, 1024);
    expect(item(b, 'layer-cache')).toBe(16 * LAYER_W4);
    expect(item(b, 'group-weights')).toBe(LAYER_F32);
    expect(b.items.find((i) => i.key === 'layer-cache')!.label).toMatch(/kept as its codes/);
    // 3 bits do not pack as MatMulNBits: cached as the float32 fake-quant weights.
    const w3 = runBudget(
      llama1b,
      { weights: weightPrecisionOf({ bits: 3, groupSize: 32, symmetric: false }, 'fake'), layerGroupSize: 1, layerCacheBytes: 1e15 },
      1024,
    );
    expect(item(w3, 'layer-cache')).toBe(16 * LAYER_F32);
    // RTN of a subset of linears happens in a pre-quant hook, as float32: cached as float32.
    const attention = runBudget(llama1b, { weights: fake, quantLayers: 'attention', layerGroupSize: 1, layerCacheBytes: 1e15 }, 1024);
    expect(item(attention, 'layer-cache')).toBe(16 * LAYER_F32);
  });

  it('an untied head doubles the resident matrix', () => {
    const untied = specFromHfConfig({ ...RESEARCH_CONFIGS['Llama-3.2-1B'], tie_word_embeddings: false });
    expect(item(runBudget(untied, { weights: { kind: 'float32' }, layerGroupSize: 1 }, 1024), 'resident-head')).toBe(2 * EMBED_F32 + 4 * 2048);
  });
});

describe('assertRunFits', () => {
  const b = runBudget(llama1b, whole(W4G32A), 4096);
  it('passes within the budget, refuses with needed and available bytes and the budget’s reason', () => {
    expect(() => assertRunFits(b, { budgetBytes: b.peakBytes, reason: 'r' }, 'eval')).not.toThrow();
    let err: unknown;
    try {
      assertRunFits(b, { budgetBytes: 4 * 1024 ** 3, reason: '60% of the 8 GB navigator.deviceMemory reports' }, 'eval at 4096 tokens');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(BudgetExceededError);
    const e = err as BudgetExceededError;
    expect(e.userFacing).toBe(true);
    expect(e.neededBytes).toBe(b.peakBytes);
    expect(e.message).toContain(`(${b.peakBytes} bytes`);
    expect(e.message).toMatch(
      /eval at 4096 tokens needs 6\.\d\d GiB at peak .* available 4\.00 GiB \(4294967296 bytes\): 60% of the 8 GB navigator\.deviceMemory reports$/,
    );
    expect(e.message).not.toContain('\n');
  });

  it('refuses a buffer above the WebGPU adapter’s smaller limit, naming it', () => {
    const limits = { maxBufferSize: 256 * 1024 ** 2, maxStorageBufferBindingSize: 192 * 1024 ** 2 };
    expect([b.largestBufferName, b.largestBufferBytes]).toEqual(['MLP activation [T, intermediate]', 4 * 4096 * 8192]);
    expect(() => assertRunFits(b, { budgetBytes: 1e15, reason: 'r', gpuLimits: limits }, 'run')).not.toThrow();
    // One layer, untied: embedding + head 2.10 GB stay under the 2 GiB protobuf limit.
    const untied = runBudget(
      specFromHfConfig({ ...RESEARCH_CONFIGS['Llama-3.2-1B'], num_hidden_layers: 1, tie_word_embeddings: false }),
      { weights: W4G32A, layerGroupSize: 1 },
      4096,
    );
    expect(untied.engine).toBe('whole-graph');
    expect(untied.largestBufferName).toBe('embedding [vocab, hidden]');
    expect(() => assertRunFits(untied, { budgetBytes: 1e15, reason: 'r', gpuLimits: limits }, 'run')).toThrow(
      /1002\.00 MiB buffer \(embedding \[vocab, hidden\].*maxStorageBufferBindingSize of 192\.00 MiB/,
    );
  });

  it('the 2 GiB protobuf limit is the one in protobuf', () => {
    expect(PROTOBUF_LIMIT_BYTES).toBe(2 ** 31);
  });
});
