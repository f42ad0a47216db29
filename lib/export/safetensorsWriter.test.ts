import { describe, expect, it } from 'vitest';
import { byteSourceFromBytes } from '../model/byteSource';
import { parseSafetensorsHeader, readSafetensorsF32 } from '../model/safetensors';
import { writeSafetensorsF32 } from './safetensorsWriter';

describe('writeSafetensorsF32', () => {
  it('round-trips through lib/model’s safetensors reader (names, shapes, values, metadata)', async () => {
    const a = Float32Array.from([1, -2.5, 3.25, 1e-30, -0, 3.4e38]);
    const b = Float32Array.from([0.1, 0.2, 0.3]);
    const bytes = writeSafetensorsF32(
      [
        { name: 'model.layers.0.self_attn.q_proj.weight', shape: [2, 3], data: a },
        { name: 'bias', shape: [3], data: b },
      ],
      { format: 'pt', note: 'x' },
    );
    const file = await parseSafetensorsHeader(byteSourceFromBytes(bytes, 'mem.safetensors'));
    expect(file.metadata).toEqual({ format: 'pt', note: 'x' });
    const q = file.tensors.get('model.layers.0.self_attn.q_proj.weight')!;
    expect(q.dtype).toBe('F32');
    expect(q.shape).toEqual([2, 3]);
    expect(Array.from(await readSafetensorsF32(q))).toEqual(Array.from(a));
    expect(Array.from(await readSafetensorsF32(file.tensors.get('bias')!))).toEqual(Array.from(b));
    expect(Array.from(await readSafetensorsF32(q, { first: 1, count: 1 }))).toEqual(Array.from(a.subarray(3)));
  });

  it('pads the header with spaces so data starts 8-byte aligned, and stores little-endian float32', () => {
    for (let nameLen = 1; nameLen <= 9; nameLen++) {
      const bytes = writeSafetensorsF32([{ name: 'n'.repeat(nameLen), shape: [1], data: Float32Array.of(1) }]);
      const view = new DataView(bytes.buffer);
      const headerLen = view.getUint32(0, true);
      expect(view.getUint32(4, true)).toBe(0);
      expect((8 + headerLen) % 8).toBe(0);
      expect(bytes[8 + headerLen - 1] === 0x20 || bytes[8 + headerLen - 1] === 0x7d).toBe(true);
      // 1.0f = 0x3f800000, little-endian
      expect(Array.from(bytes.subarray(8 + headerLen))).toEqual([0x00, 0x00, 0x80, 0x3f]);
    }
  });

  it('writes an empty file list as a valid empty safetensors', async () => {
    const file = await parseSafetensorsHeader(byteSourceFromBytes(writeSafetensorsF32([]), 'empty'));
    expect(file.tensors.size).toBe(0);
  });

  it('refuses shape/data mismatch, duplicates, reserved and empty names, bad dims', () => {
    const d = new Float32Array(4);
    expect(() => writeSafetensorsF32([{ name: 'x', shape: [2, 3], data: d }])).toThrow(/4 values.*\[2, 3\].*6/);
    expect(() =>
      writeSafetensorsF32([
        { name: 'x', shape: [4], data: d },
        { name: 'x', shape: [4], data: d },
      ]),
    ).toThrow(/twice/);
    expect(() => writeSafetensorsF32([{ name: '__metadata__', shape: [4], data: d }])).toThrow(/reserved/);
    expect(() => writeSafetensorsF32([{ name: '', shape: [4], data: d }])).toThrow(/empty/);
    expect(() => writeSafetensorsF32([{ name: 'x', shape: [-4], data: d }])).toThrow(/integers ≥ 0/);
  });
});
