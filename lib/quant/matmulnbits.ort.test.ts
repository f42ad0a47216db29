/**
 * Checks the packing against the real operator: onnxruntime-node (CPU) runs a one-node
 * com.microsoft.MatMulNBits graph and must give A · unpack(B)ᵀ = A · rtnFakeQuant(W)ᵀ.
 * Test-only use of onnxruntime-node (lib/ product code never imports it).
 */
import { describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-node';
import { encodeModel, f32Bytes, OnnxDataType, type TensorInit } from '../onnx/proto';
import { packMatMulNBits, unpackMatMulNBits, zeroPointBytesPerRow } from './matmulnbits';
import { rtnFakeQuant } from './rtn';
import { tolerance } from '../testing/tolerances';

function seeded(n: number, seed: number): Float32Array {
  let x = seed >>> 0 || 1;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    out[i] = x / 4294967296 - 0.5;
  }
  return out;
}

async function runMatMulNBits(a: Float32Array, M: number, w: Float32Array, N: number, K: number, bits: number, bs: number, symmetric: boolean) {
  const p = packMatMulNBits(w, N, K, { bits, blockSize: bs, symmetric });
  const kBlocks = Math.ceil(K / bs);
  const inits: TensorInit[] = [
    { name: 'B', dataType: OnnxDataType.UINT8, dims: [N, kBlocks, (bs * bits) / 8], rawData: p.b },
    { name: 'scales', dataType: OnnxDataType.FLOAT, dims: [N * kBlocks], rawData: f32Bytes(p.scales) },
  ];
  const inputs = ['A', 'B', 'scales'];
  if (p.zeroPoints) {
    inits.push({ name: 'zp', dataType: OnnxDataType.UINT8, dims: [N * zeroPointBytesPerRow(kBlocks, bits)], rawData: p.zeroPoints });
    inputs.push('zp');
  }
  const model = encodeModel({
    opsets: [
      { domain: '', version: 17 },
      { domain: 'com.microsoft', version: 1 },
    ],
    graph: {
      name: 'mmnb',
      nodes: [
        {
          opType: 'MatMulNBits',
          domain: 'com.microsoft',
          inputs,
          outputs: ['Y'],
          attributes: {
            K: { kind: 'int', value: K },
            N: { kind: 'int', value: N },
            bits: { kind: 'int', value: bits },
            block_size: { kind: 'int', value: bs },
            accuracy_level: { kind: 'int', value: 0 },
          },
        },
      ],
      initializers: inits,
      inputs: [{ name: 'A', dataType: OnnxDataType.FLOAT, dims: [M, K] }],
      outputs: [{ name: 'Y', dataType: OnnxDataType.FLOAT, dims: [M, N] }],
    },
  });
  const session = await ort.InferenceSession.create(model);
  const out = await session.run({ A: new ort.Tensor('float32', a, [M, K]) });
  await session.release();
  return { y: out.Y.data as Float32Array, deq: unpackMatMulNBits(p) };
}

describe('MatMulNBits on onnxruntime-node', () => {
  const cases: Array<[number, number, number, number, boolean]> = [
    [4, 32, 8, 128, false],
    [4, 16, 5, 50, false],
    [4, 64, 6, 128, true],
    [8, 32, 4, 96, false],
    [8, 16, 3, 40, true],
  ];
  it.each(cases)('bits %i block %i N %i K %i symmetric %s', async (bits, bs, N, K, symmetric) => {
    const M = 3;
    const w = seeded(N * K, 17 + bits * 100 + K);
    const a = seeded(M * K, 99 + N);
    const { y, deq } = await runMatMulNBits(a, M, w, N, K, bits, bs, symmetric);
    const fake = rtnFakeQuant(w, N, K, { bits, groupSize: bs, symmetric });
    expect(Array.from(deq)).toEqual(Array.from(fake));
    for (let m = 0; m < M; m++) {
      for (let n = 0; n < N; n++) {
        let ref = 0;
        let mag = 0;
        for (let k = 0; k < K; k++) {
          ref += a[m * K + k] * fake[n * K + k];
          mag += Math.abs(a[m * K + k] * fake[n * K + k]);
        }
        expect(Math.abs(y[m * N + n] - ref)).toBeLessThanOrEqual(tolerance('matmul-relative', 'nbits4', 'cpu') * mag + 1e-7);
      }
    }
  });
});
