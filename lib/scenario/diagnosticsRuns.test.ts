import { describe, expect, it } from 'vitest';
import type { NllEngine, NllEngineInput } from '../eval/engine';
import type { RopeConfig } from '../rope/types';
import { noiseFloorPlan, runDiagnosticsWindows, runProxyWindows, type DiagnosticsVariant } from './diagnosticsRuns';
import { proxySetupInputOf } from './diagnosticsProxy';

const rope: RopeConfig = { type: 'default', thetaBase: 10000, headDim: 4, rotaryDim: 4, maxPositionEmbeddings: 8 };

function recorder() {
  const calls: Array<{ variant: DiagnosticsVariant; seqLen: number; logits: boolean; ids: number[]; cosLen: number; disposed: boolean }> = [];
  const openEngine = async (variant: DiagnosticsVariant, seqLen: number, logits: boolean): Promise<NllEngine> => {
    const call = { variant, seqLen, logits, ids: [] as number[], cosLen: 0, disposed: false };
    calls.push(call);
    return {
      device: 'test',
      seqLen,
      async run(input: NllEngineInput) {
        call.ids = Array.from(input.ids as Int32Array);
        call.cosLen = input.cos.length;
        return {
          nll: new Float32Array(seqLen - 1),
          taps: { q_post_0: new Float32Array([variant === 'fp' ? seqLen : -seqLen]) },
          ...(logits ? { logits: new Float32Array([seqLen]) } : {}),
        };
      },
      async dispose() {
        call.disposed = true;
      },
    };
  };
  return { calls, openEngine };
}

describe('runDiagnosticsWindows', () => {
  const tokens = Int32Array.from({ length: 20 }, (_, i) => 100 + i);

  it('runs FP at L′ (logits), FP short, quantized at L′ (logits) on the first tokens, disposing each engine', async () => {
    const { calls, openEngine } = recorder();
    const progress: number[] = [];
    const runs = await runDiagnosticsWindows({
      rope,
      tokens,
      longTokens: 12,
      shortTokens: 6,
      quantized: true,
      openEngine,
      onProgress: (f) => progress.push(f),
    });
    expect(calls.map((c) => [c.variant, c.seqLen, c.logits])).toEqual([
      ['fp', 12, true],
      ['fp', 6, false],
      ['ptq', 12, true],
    ]);
    expect(calls[1].ids).toEqual([100, 101, 102, 103, 104, 105]);
    expect(calls[0].cosLen).toBe(12 * 4);
    expect(calls.every((c) => c.disposed)).toBe(true);
    expect(runs.longFp.q_post_0[0]).toBe(12);
    expect(runs.shortFp.q_post_0[0]).toBe(6);
    expect(runs.longQuant?.q_post_0[0]).toBe(-12);
    expect(runs.fpLogits?.[0]).toBe(12);
    expect(progress[progress.length - 1]).toBe(1);
  });

  it('adds the quantized + Q-ROAR run at L′ when scales are applied', async () => {
    const { calls, openEngine } = recorder();
    const runs = await runDiagnosticsWindows({ rope, tokens, longTokens: 12, shortTokens: 6, quantized: true, qroar: true, openEngine });
    expect(calls.map((c) => [c.variant, c.seqLen, c.logits])).toEqual([
      ['fp', 12, true],
      ['fp', 6, false],
      ['ptq', 12, true],
      ['ptq+qroar', 12, true],
    ]);
    expect(runs.longQroar?.q_post_0[0]).toBe(-12);
    expect(runs.qroarLogits?.[0]).toBe(12);
  });

  it('adds the noise floor run (FP, float16 weights, on a backend other than WebGPU) at L′ with logits, last', async () => {
    const { calls, openEngine } = recorder();
    const runs = await runDiagnosticsWindows({ rope, tokens, longTokens: 12, shortTokens: 6, quantized: true, qroar: true, noiseFloor: true, openEngine });
    expect(calls.map((c) => [c.variant, c.seqLen, c.logits])).toEqual([
      ['fp', 12, true],
      ['fp', 6, false],
      ['ptq', 12, true],
      ['ptq+qroar', 12, true],
      ['fp16', 12, true],
    ]);
    expect(calls[4].ids).toEqual(calls[0].ids);
    expect(runs.longFloor).not.toBeNull();
    expect(runs.floorLogits).not.toBeNull();
    expect(runs.floorSource).toBe('precision');
  });

  it('on WebGPU the noise floor is the same FP model on WASM (two backends), not float16 weights', async () => {
    const { calls, openEngine } = recorder();
    const onGpu: typeof openEngine = async (variant, seqLen, logits) => {
      const engine = await openEngine(variant, seqLen, logits);
      return { ...engine, device: variant === 'fp-wasm' ? 'ort-web:wasm' : 'ort-web:webgpu', run: engine.run, dispose: engine.dispose };
    };
    const runs = await runDiagnosticsWindows({ rope, tokens, longTokens: 12, shortTokens: 6, quantized: true, noiseFloor: true, openEngine: onGpu });
    expect(calls.map((c) => c.variant)).toEqual(['fp', 'fp', 'ptq', 'fp-wasm']);
    expect(runs.floorSource).toBe('backend');
    expect(noiseFloorPlan('ort-node:cpu')).toEqual({ variant: 'fp16', source: 'precision' });
  });

  it('skips the quantized run and the logits when nothing is quantized', async () => {
    const { calls, openEngine } = recorder();
    const runs = await runDiagnosticsWindows({ rope, tokens, longTokens: 12, shortTokens: 6, quantized: false, noiseFloor: true, openEngine });
    expect(calls.map((c) => [c.variant, c.logits])).toEqual([
      ['fp', false],
      ['fp', false],
    ]);
    expect(runs.longQuant).toBeNull();
    expect(runs.longQroar).toBeNull();
    expect(runs.fpLogits).toBeNull();
    expect(runs.longFloor).toBeNull();
    expect(runs.floorSource).toBeNull();
  });

  it('refuses a text shorter than L′ and a short context above L′', async () => {
    const { openEngine } = recorder();
    await expect(runDiagnosticsWindows({ rope, tokens, longTokens: 32, shortTokens: 6, quantized: false, openEngine })).rejects.toThrow(
      /20 tokens, fewer than the long context 32/,
    );
    await expect(runDiagnosticsWindows({ rope, tokens, longTokens: 12, shortTokens: 13, quantized: false, openEngine })).rejects.toThrow(
      /short context 13 ≤ long context 12/,
    );
  });
});

describe('runProxyWindows', () => {
  const tokens = Int32Array.from({ length: 20 }, (_, i) => 200 + i);

  it('runs FP and quantized at L′ with logits (the diagnostics graphs) on the first tokens of the dev text, disposing each', async () => {
    const { calls, openEngine } = recorder();
    const runs = await runProxyWindows({ rope, tokens, longTokens: 12, openEngine });
    expect(calls.map((c) => [c.variant, c.seqLen, c.logits])).toEqual([
      ['fp', 12, true],
      ['ptq', 12, true],
    ]);
    expect(calls[1].ids).toEqual(Array.from(tokens.subarray(0, 12)));
    expect(calls.every((c) => c.disposed)).toBe(true);
    expect([runs.longFp.q_post_0[0], runs.longQuant.q_post_0[0]]).toEqual([12, -12]);
    await expect(runProxyWindows({ rope, tokens, longTokens: 21, openEngine })).rejects.toThrow('the dev text has 20 tokens, fewer than the long context 21');
  });

  it("gives the proxy input of those runs: FP q/k as the reference, the quantized run's q and k_post", () => {
    const t = (v: number) => Float32Array.of(v);
    const geometry = { layers: [0], heads: 2, kvHeads: 1, headDim: 4, rotaryDim: 4, layout: 'half-split' as const, bands: [] };
    const longFp = { q_post_0: t(1), k_post_0: t(2) };
    const longQuant = { q_post_0: t(3), k_post_0: t(4), k_kv_0: t(5) };
    const input = proxySetupInputOf({ geometry, longTokens: 12, longFp, longQuant, pairCount: 8, seed: 3 });
    expect(input?.layers.map((l) => [l.layer, l.refQ[0], l.refK[0], l.quantQ[0], l.quantK[0]])).toEqual([[0, 1, 2, 3, 4]]);
    expect(input).toMatchObject({ tokens: 12, heads: 2, kvHeads: 1, pairCount: 8, seed: 3 });
    expect(proxySetupInputOf({ geometry, longTokens: 12, longFp, longQuant: null, pairCount: 8, seed: 3 })).toBeNull();
  });
});
