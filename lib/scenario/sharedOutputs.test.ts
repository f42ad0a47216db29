import { describe, expect, it } from 'vitest';
import { diagnosticsGraphOutputs, sharedDiagnosticsOutputs } from './sharedOutputs';

// The built-in model's shape (public/models/bandscope-byte-4m/config.json).
const builtin = { numLayers: 6, numHeads: 4, numKvHeads: 2, headDim: 64, vocabSize: 256 };
const shape = { longTokens: 2048, shortTokens: 256, quantized: true };

describe('perplexity graphs shared with the diagnostics', () => {
  it('take on the tapped graph at L′ (with logits when quantized) and at the short context (without)', () => {
    expect(sharedDiagnosticsOutputs(builtin, 2048, shape)).toEqual({ tapLayers: [0, 1, 2, 3, 4, 5], logits: true });
    expect(sharedDiagnosticsOutputs(builtin, 256, shape)).toEqual({ tapLayers: [0, 1, 2, 3, 4, 5], logits: false });
    expect(sharedDiagnosticsOutputs(builtin, 2048, { ...shape, quantized: false })?.logits).toBe(false);
    expect(sharedDiagnosticsOutputs(builtin, 512, shape)).toBeNull();
    expect(diagnosticsGraphOutputs(6, 512, shape)).toEqual({ tapLayers: [0, 1, 2, 3, 4, 5], logits: false });
  });
  it('not when the unused outputs would cost more than the budget: 6 × 2048 × 2 × 6 × 64 × 4 B of taps + 2048 × 256 × 4 B of logits = 38 MiB', () => {
    const bytes = 6 * 2048 * 2 * 6 * 64 * 4 + 2048 * 256 * 4;
    expect(sharedDiagnosticsOutputs(builtin, 2048, shape, bytes)).not.toBeNull();
    expect(sharedDiagnosticsOutputs(builtin, 2048, shape, bytes - 1)).toBeNull();
    // Llama-3.2-1B's shape at 4096 tokens: 16 layers of taps alone are 640 MiB.
    expect(
      sharedDiagnosticsOutputs({ numLayers: 16, numHeads: 32, numKvHeads: 8, headDim: 64, vocabSize: 128256 }, 4096, { ...shape, longTokens: 4096 }),
    ).toBeNull();
  });
});

describe('the rule matches the runs the diagnostics open', () => {
  it('every tapped run of runDiagnosticsWindows asks for logits exactly when diagnosticsGraphOutputs says', async () => {
    const { runDiagnosticsWindows } = await import('./diagnosticsRuns');
    const rope = { type: 'default' as const, thetaBase: 10000, headDim: 8, rotaryDim: 8, maxPositionEmbeddings: 16 };
    for (const quantized of [true, false]) {
      const opened: Array<[number, boolean]> = [];
      await runDiagnosticsWindows({
        rope,
        tokens: new Int32Array(64),
        longTokens: 32,
        shortTokens: 16,
        quantized,
        qroar: quantized,
        noiseFloor: quantized,
        openEngine: async (_variant, seqLen, logits) => {
          opened.push([seqLen, logits]);
          return {
            device: 'test',
            seqLen,
            async run() {
              return {
                nll: new Float32Array(seqLen - 1),
                taps: { k_post_0: new Float32Array(seqLen) },
                ...(logits ? { logits: new Float32Array(seqLen) } : {}),
              };
            },
            async dispose() {},
          };
        },
      });
      for (const [seqLen, logits] of opened) expect(logits).toBe(diagnosticsGraphOutputs(2, seqLen, { longTokens: 32, shortTokens: 16, quantized }).logits);
      expect(opened.length).toBe(quantized ? 5 : 2);
    }
  });
});
