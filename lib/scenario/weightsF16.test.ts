import { describe, expect, it } from 'vitest';
import type { DecoderWeights, F32Linear } from '../onnx/weights';
import { roundDecoderWeightsToF16, roundToF16 } from './weightsF16';

const lin = (values: number[]): F32Linear => ({ kind: 'f32', outFeatures: 1, inFeatures: values.length, weight: Float32Array.from(values) });

describe('float16 rounding of full-precision weights', () => {
  it('rounds to the nearest float16 by hand: 1 + 2^-11 is a tie → 1 (even), 1 + 3·2^-11 → 1 + 2^-9, 0.1 → 1638·2^-14', () => {
    expect(Array.from(roundToF16(Float32Array.from([1 + 2 ** -11, 1 + 3 * 2 ** -11, 0.1, -2]), 'x'))).toEqual([1, 1 + 2 ** -9, 0.0999755859375, -2]);
    expect(() => roundToF16(Float32Array.from([1, 70000]), 'layer 0 q_proj')).toThrow(/layer 0 q_proj: value 70000 at index 1 is outside the float16 range/);
  });

  it('rounds every tensor into new arrays, leaves the inputs alone, keeps a tied head tied', () => {
    const embed = Float32Array.from([0.1, 0.2]);
    const l = {
      inputNorm: Float32Array.from([1.0001]),
      postAttentionNorm: Float32Array.from([1]),
      q: lin([0.1]),
      k: lin([0.1]),
      v: lin([0.1]),
      o: lin([0.1]),
      gate: lin([0.1]),
      up: lin([0.1]),
      down: { ...lin([0.1]), bias: Float32Array.from([0.3]) },
    };
    const w: DecoderWeights = { embedTokens: embed, layers: [l], finalNorm: Float32Array.from([1]), lmHead: embed };
    const r = roundDecoderWeightsToF16(w);
    expect(r.lmHead).toBe(r.embedTokens);
    expect(r.embedTokens).not.toBe(embed);
    expect(embed[0]).toBe(Math.fround(0.1));
    expect(r.embedTokens[0]).toBe(0.0999755859375);
    expect(r.layers[0].inputNorm[0]).toBe(1); // 1.0001 is within half an ulp (2^-11) of 1
    const down = r.layers[0].down as F32Linear;
    expect(down.bias?.[0]).toBe(1229 * 2 ** -12); // 0.3 / 2^-12 = 1228.8 → 1229
  });
});
