// Listing weights files from their headers. Offsets are computed here from the layout the writers
// produce (8-byte length + padded JSON, then data back to back; GGUF data at the aligned start).
import { describe, expect, it } from 'vitest';
import { writeSafetensorsF32 } from '../export/safetensorsWriter';
import { byteSourceFromBytes } from './byteSource';
import { listWeightsFile, summarizeGgufValue } from './fileListing';
import { tinyGguf, tinyHfShapes, tinyTensorValues, TINY } from './testing/tinyModels';

describe('listWeightsFile', () => {
  it('safetensors (Bandscope’s own q/k export): names, dtype, shape, absolute offsets, __metadata__', async () => {
    const q = Float32Array.from({ length: 6 }, (_, i) => i - 2.5);
    const k = Float32Array.from({ length: 4 }, (_, i) => i * 0.25);
    const bytes = writeSafetensorsF32(
      [
        { name: 'model.layers.0.self_attn.q_proj.weight', shape: [3, 2], data: q },
        { name: 'model.layers.0.self_attn.k_proj.weight', shape: [2, 2], data: k },
      ],
      { format: 'pt', producer: 'bandscope search' },
    );
    const headerLength = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    const { file, tensorF32 } = await listWeightsFile(byteSourceFromBytes(bytes, 'out/qroar-patched.safetensors'));
    expect(file).toMatchObject({ fileName: 'qroar-patched.safetensors', format: 'safetensors', sizeBytes: bytes.length, dataOffsetBytes: 8 + headerLength });
    expect(file.metadata).toEqual({ format: 'pt', producer: 'bandscope search' });
    expect(file.tensors).toEqual([
      {
        name: 'model.layers.0.self_attn.q_proj.weight',
        hfName: 'model.layers.0.self_attn.q_proj.weight',
        fileName: 'qroar-patched.safetensors',
        dtype: 'F32',
        shape: [3, 2],
        offsetBytes: 8 + headerLength,
        sizeBytes: 24,
      },
      {
        name: 'model.layers.0.self_attn.k_proj.weight',
        hfName: 'model.layers.0.self_attn.k_proj.weight',
        fileName: 'qroar-patched.safetensors',
        dtype: 'F32',
        shape: [2, 2],
        offsetBytes: 8 + headerLength + 24,
        sizeBytes: 16,
      },
    ]);
    expect(Array.from(await tensorF32('model.layers.0.self_attn.k_proj.weight', { first: 1, count: 1 }))).toEqual([0.5, 0.75]);
    await expect(tensorF32('nope')).rejects.toThrow('qroar-patched.safetensors: no tensor named nope');
  });

  it('GGUF: file names with mapped HF names, ggml types, offsets past the aligned data start', async () => {
    const bytes = tinyGguf('llama', {}, {}, ['blk.0.attn_k.weight']);
    const { file, tensorF32 } = await listWeightsFile(byteSourceFromBytes(bytes, 'x.gguf'));
    expect(file.format).toBe('gguf');
    expect(file.ggufVersion).toBe(3);
    expect(file.dataOffsetBytes % 32).toBe(0);
    const names = tinyHfShapes().filter(([n]) => n !== 'model.layers.0.self_attn.k_proj.weight');
    expect(file.tensors.map((t) => t.hfName)).toEqual(names.map(([n]) => n));
    expect(file.tensors[1]).toMatchObject({
      name: 'blk.0.attn_q.weight',
      hfName: 'model.layers.0.self_attn.q_proj.weight',
      dtype: 'F32',
      shape: [64, 64],
      sizeBytes: 64 * 64 * 4,
    });
    // F32 tensors back to back, each padded to the 32-byte alignment: embed 32×64×4 = 8192 bytes first.
    expect(file.tensors[0].offsetBytes).toBe(file.dataOffsetBytes);
    expect(file.tensors[1].offsetBytes).toBe(file.dataOffsetBytes + TINY.vocab * TINY.hidden * 4);
    const q = tinyTensorValues('model.layers.0.self_attn.q_proj.weight');
    expect(Array.from(await tensorF32('blk.0.attn_q.weight', { first: 5, count: 1 }))).toEqual(Array.from(q.subarray(5 * 64, 6 * 64)));
    expect(file.metadata['general.architecture']).toBe('llama');
    expect(file.metadata['llama.block_count']).toBe(TINY.layers);
    expect(file.metadata['tokenizer.ggml.tokens']).toEqual({ array: 'string', length: TINY.vocab });
  });

  it('summarizes GGUF values: short arrays whole, long ones by kind and length, big integers as strings', () => {
    expect(summarizeGgufValue([1, 2, 3])).toEqual([1, 2, 3]);
    expect(summarizeGgufValue(Array.from({ length: 17 }, () => 0.5))).toEqual({ array: 'number', length: 17 });
    expect(summarizeGgufValue(Array.from({ length: 17 }, () => [1]))).toEqual({ array: 'array', length: 17 });
    expect(summarizeGgufValue(2n ** 60n)).toBe('1152921504606846976');
    expect(summarizeGgufValue([2n ** 60n, 'a', true])).toEqual(['1152921504606846976', 'a', true]);
  });

  it('refuses other names and corrupt files with the file named', async () => {
    await expect(listWeightsFile(byteSourceFromBytes(new Uint8Array(16), 'w.bin'))).rejects.toThrow('w.bin: not a weights file');
    const good = tinyGguf();
    await expect(listWeightsFile(byteSourceFromBytes(good.slice(0, good.length - 100), 't.gguf'))).rejects.toThrow(
      /t\.gguf: not a valid GGUF file: .*truncated/,
    );
    await expect(listWeightsFile(byteSourceFromBytes(new TextEncoder().encode('garbage garbage!'), 'g.safetensors'))).rejects.toThrow(
      'g.safetensors: not a valid safetensors file',
    );
  });
});
