import { describe, expect, it } from 'vitest';
import { encodeModel, OnnxDataType } from './proto';
import { attentionQueryChunk } from './llamaGraph';
import { interleavedToHalfSplitRowOrder } from './weights';

describe('encodeModel (hand-decoded protobuf bytes)', () => {
  it('writes ir_version, producer, graph and opset fields in wire format', () => {
    const bytes = encodeModel({
      graph: { name: 'g', nodes: [], initializers: [], inputs: [], outputs: [] },
      opsets: [{ domain: '', version: 17 }],
      irVersion: 8,
      producerName: 'p',
    });
    // 08 08 | 12 01 'p' | 3a 03 (12 01 'g') | 42 02 (10 11)
    expect(Array.from(bytes)).toEqual([0x08, 8, 0x12, 1, 0x70, 0x3a, 3, 0x12, 1, 0x67, 0x42, 2, 0x10, 17]);
  });

  it('encodes negative int64 attributes as 10-byte varints and checks raw_data sizes', () => {
    const bytes = encodeModel({
      graph: {
        name: '',
        nodes: [{ opType: 'X', inputs: [], outputs: [], attributes: { a: { kind: 'int', value: -1 } } }],
        initializers: [],
        inputs: [],
        outputs: [],
      },
      opsets: [],
    });
    const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
    expect(hex).toContain('18ffffffffffffffffff01'); // field 3 (i), varint(2^64 − 1)
    expect(() =>
      encodeModel({
        graph: {
          name: '',
          nodes: [],
          initializers: [{ name: 'w', dataType: OnnxDataType.FLOAT, dims: [2, 3], rawData: new Uint8Array(20) }],
          inputs: [],
          outputs: [],
        },
        opsets: [],
      }),
    ).toThrow(/\[2, 3\] need 24 bytes, got 20/);
  });
});

describe('attention chunking and layout permutation', () => {
  it('chunks are capped at 256 query rows, and smaller when the 64 MiB score budget says so', () => {
    expect(attentionQueryChunk(4096, 4, 64 * 1024 * 1024)).toBe(256);
    expect(attentionQueryChunk(4096, 32, 64 * 1024 * 1024)).toBe(128);
    expect(attentionQueryChunk(256, 4, 64 * 1024 * 1024)).toBe(256);
    expect(attentionQueryChunk(32768, 32, 64 * 1024 * 1024)).toBe(16);
    expect(attentionQueryChunk(10, 4, 1)).toBe(1);
  });
  it('interleaved → half-split row order per head (partial rotary rows pass through)', () => {
    expect(Array.from(interleavedToHalfSplitRowOrder(1, 4, 4))).toEqual([0, 2, 1, 3]);
    expect(Array.from(interleavedToHalfSplitRowOrder(2, 6, 4))).toEqual([0, 2, 1, 3, 4, 5, 6, 8, 7, 9, 10, 11]);
  });
});
