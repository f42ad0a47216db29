import { byteSourceFromBytes, type ByteSource } from '../byteSource';
import { f32Bytes, writeSafetensors, type TensorToWrite } from './safetensorsWriter';
import { tinyHfConfig, tinyHfShapes, tinyTensorValues } from './tinyModels';

/**
 * How a tied-embedding checkpoint stores its one [vocab, hidden] matrix: only as
 * model.embed_tokens.weight, only as lm_head.weight, only as lm_head.weight with the safetensors
 * `__metadata__` alias `model.embed_tokens.weight → lm_head.weight` (what safetensors' save_model
 * writes when it drops a shared name), both names with the same values, or neither.
 */
export type TiedLayout = 'embed' | 'lm_head' | 'lm_head+alias' | 'both' | 'neither';

export const TIED_LAYOUTS: readonly TiedLayout[] = ['embed', 'lm_head', 'lm_head+alias', 'both'];

/**
 * Test-only: the tiny LLaMA (tinyModels) with tie_word_embeddings true, its shared matrix being the
 * tiny model's embed_tokens values whichever name stores it. Files: config.json + model.safetensors.
 */
export function tiedHfFolder(layout: TiedLayout, config: Record<string, unknown> = {}): ByteSource[] {
  const shared = f32Bytes(tinyTensorValues('model.embed_tokens.weight'));
  const tensors: TensorToWrite[] = [];
  for (const [name, shape] of tinyHfShapes()) {
    const isEmbed = name === 'model.embed_tokens.weight';
    const isHead = name === 'lm_head.weight';
    if (isEmbed && (layout === 'embed' || layout === 'both')) tensors.push({ name, dtype: 'F32', shape, data: shared });
    else if (isHead && layout !== 'embed' && layout !== 'neither') tensors.push({ name, dtype: 'F32', shape, data: shared });
    else if (!isEmbed && !isHead) tensors.push({ name, dtype: 'F32', shape, data: f32Bytes(tinyTensorValues(name)) });
  }
  const metadata: Record<string, string> = layout === 'lm_head+alias' ? { format: 'pt', 'model.embed_tokens.weight': 'lm_head.weight' } : { format: 'pt' };
  return [
    byteSourceFromBytes(new TextEncoder().encode(JSON.stringify(tinyHfConfig({ tie_word_embeddings: true, ...config }))), 'tied/config.json'),
    byteSourceFromBytes(writeSafetensors(tensors, metadata), 'tied/model.safetensors'),
  ];
}

/** Test-only: wraps sources so every read is logged as `name offset+length`. */
export function loggingSources(sources: ByteSource[], log: string[]): ByteSource[] {
  return sources.map((s) => ({
    name: s.name,
    sizeBytes: s.sizeBytes,
    read: (offsetBytes: number, lengthBytes: number) => {
      log.push(`${s.name} ${offsetBytes}+${lengthBytes}`);
      return s.read(offsetBytes, lengthBytes);
    },
  }));
}
