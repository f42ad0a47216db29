// Test-only helpers (Node): read the built-in model's safetensors and the PyTorch fixture directly,
// so engine tests do not depend on lib/model's loader.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ModelSpec } from '../../../lib/model/spec';
import type { TensorF32Source } from '../../../lib/onnx/assembleWeights';
import { ropeConfigFromHfConfig } from '../../../lib/rope/parseHf';

export const REPO_ROOT = join(import.meta.dirname, '..', '..', '..');
export const BUILTIN_DIR = join(REPO_ROOT, 'public', 'models', 'bandscope-byte-4m');
export const FIXTURE_DIR = join(REPO_ROOT, 'training', 'fixture');

export function readSafetensors(path: string): Map<string, Float32Array> {
  const bytes = readFileSync(path);
  const headerLen = Number(bytes.readBigUInt64LE(0));
  const header = JSON.parse(bytes.subarray(8, 8 + headerLen).toString('utf8')) as Record<
    string,
    { dtype: string; shape: number[]; data_offsets: [number, number] }
  >;
  const base = 8 + headerLen;
  const out = new Map<string, Float32Array>();
  for (const [name, t] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    if (t.dtype !== 'F32') throw new Error(`${name}: dtype ${t.dtype}`);
    const [a, b] = t.data_offsets;
    const copy = new Uint8Array(bytes.subarray(base + a, base + b));
    out.set(name, new Float32Array(copy.buffer));
  }
  return out;
}

export function builtinSpec(): ModelSpec {
  const config = JSON.parse(readFileSync(join(BUILTIN_DIR, 'config.json'), 'utf8')) as Record<string, number>;
  return {
    architecture: 'llama',
    vocabSize: config.vocab_size,
    hiddenSize: config.hidden_size,
    intermediateSize: config.intermediate_size,
    numLayers: config.num_hidden_layers,
    numHeads: config.num_attention_heads,
    numKvHeads: config.num_key_value_heads,
    headDim: config.head_dim,
    rmsNormEps: config.rms_norm_eps,
    tieWordEmbeddings: false,
    attentionBias: false,
    pairLayout: 'half-split',
    rope: ropeConfigFromHfConfig(config),
  };
}

export function builtinTensors(): Map<string, Float32Array> {
  return readSafetensors(join(BUILTIN_DIR, 'model.safetensors'));
}

/** The built-in model's tensors as a lib/onnx TensorF32Source (a name it lacks is an error). */
export function builtinTensorSource(): TensorF32Source {
  const tensors = builtinTensors();
  return async (n) => {
    const t = tensors.get(n);
    if (!t) throw new Error(`missing ${n}`);
    return t;
  };
}

export function readF32(file: string): Float32Array {
  const b = readFileSync(join(FIXTURE_DIR, file));
  return new Float32Array(new Uint8Array(b).buffer);
}

export function readTokens(file: string): Int32Array {
  return Int32Array.from(readFileSync(join(FIXTURE_DIR, file)));
}

export interface FixtureCase {
  id: string;
  text: number;
  tokens: number;
  rope: { method: 'default' | 'linear' | 'yarn' | 'dynamic'; factor: number };
  quant: string | null;
  meanNll: number;
  nll: { file: string; shape: number[] };
}

export interface FixtureIndex {
  texts: Array<{ file: string; shape: number[] }>;
  cases: FixtureCase[];
  taps: Array<{
    id: string;
    text: number;
    layer: number;
    positions: number;
    rope: FixtureCase['rope'];
    tensors: Record<string, { file: string; shape: number[] }>;
  }>;
}

export function fixtureIndex(): FixtureIndex {
  return JSON.parse(readFileSync(join(FIXTURE_DIR, 'index.json'), 'utf8')) as FixtureIndex;
}

/** cos/sin [T, headDim] half-split like training/model.py `cos_sin` (fp32 products). Test-only. */
export function testCosSin(invFreq: Float64Array, attentionFactor: number, seqLen: number, headDim: number): { cos: Float32Array; sin: Float32Array } {
  const half = invFreq.length;
  const cos = new Float32Array(seqLen * headDim).fill(1);
  const sin = new Float32Array(seqLen * headDim);
  for (let p = 0; p < seqLen; p++) {
    for (let i = 0; i < half; i++) {
      const angle = Math.fround(p * Math.fround(invFreq[i]));
      const c = Math.fround(Math.cos(angle) * attentionFactor);
      const s = Math.fround(Math.sin(angle) * attentionFactor);
      cos[p * headDim + i] = c;
      cos[p * headDim + i + half] = c;
      sin[p * headDim + i] = s;
      sin[p * headDim + i + half] = s;
    }
  }
  return { cos, sin };
}
