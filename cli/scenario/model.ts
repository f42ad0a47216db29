/**
 * Opening what `diagnose` and `search` run on, the way `bandscope eval` does: the model through
 * lib/model (`openModelAtPath`: 'builtin', a Hugging Face folder, or a .gguf file) and text files
 * tokenized by the model's tokenizer (byte models: token id = byte).
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ModelSpec } from '../../lib/model/spec';
import type { OpenModelOptions, OpenedModel } from '../../lib/model/open';
import { storedNBitsLinear } from '../../lib/model/storedLinear';
import type { AssembleOptions } from '../../lib/onnx/assembleWeights';
import type { TokenizerSource } from '../../lib/tokenize/types';
import type { TrainedWindow } from '../../lib/model/trainedWindow';
import type { PlanModel } from '../../lib/scenario/plan';
import { tokenStreamOfBytes } from '../../lib/tokenize/stream';
import { UsageError } from '../errors';
import { openModelAtPath } from '../io/nodeByteSource';

export const BUILTIN_MODEL_DIR = join(import.meta.dirname, '..', '..', 'public', 'models', 'bandscope-byte-4m');
export const BUILTIN_MODEL_NAME = 'builtin:bandscope-byte-4m';

export interface ScenarioModel {
  name: string;
  spec: ModelSpec;
  /** The trained window in force and its source (lib/model/trainedWindow). */
  trainedWindow: TrainedWindow;
  /** lib/model identity hash (SHA-256 hex of file names, sizes and headers). */
  identity: string;
  /**
   * Float32 tensor by HF name in the file's own row order, read once and kept (never mutate it);
   * an alias (a tied embedding's other name) returns the very same array as its stored tensor.
   */
  tensorF32(hfName: string): Promise<Float32Array>;
  /** A tensor read from the files and not kept (the layer-streamed engine's reads, cli/engine/nodePort). */
  readTensorF32(hfName: string): Promise<Float32Array>;
  /** A GGUF's own Q4_0/Q8_0 decoder linears as MatMulNBits (lib/model/storedLinear; null for a linear that cannot be repacked). */
  storedLinear: NonNullable<AssembleOptions['storedLinear']>;
  /** How text becomes ids (BOS rule, description). */
  tokenizer: TokenizerSource;
  /** The opened files as lib/model lists them (format, tensors and dtypes: the memory budget's stored-block pricing). */
  listing: Pick<OpenedModel, 'format' | 'spec' | 'tensors' | 'resolveTensorName'>;
  /** Token ids of a text file. */
  readTokens(command: string, flag: string, path: string): Promise<Int32Array>;
  close(): Promise<void>;
}

export async function openScenarioModel(modelArg: string, options: OpenModelOptions = {}): Promise<ScenarioModel> {
  const opened = await openModelAtPath(modelArg === 'builtin' ? BUILTIN_MODEL_DIR : modelArg, options);
  const model: OpenedModel = opened.model;
  const cache = new Map<string, Promise<Float32Array>>();
  return {
    name: modelArg === 'builtin' ? BUILTIN_MODEL_NAME : modelArg,
    spec: model.spec,
    trainedWindow: model.trainedWindow,
    identity: model.identity,
    tensorF32(hfName) {
      // Keyed by the stored tensor, so a tied embedding asked for under both names is one copy.
      const key = model.resolveTensorName(hfName) ?? hfName;
      let t = cache.get(key);
      if (t === undefined) {
        t = model.tensorF32(key);
        cache.set(key, t);
      }
      return t;
    },
    readTensorF32: (hfName) => model.tensorF32(hfName),
    storedLinear: storedNBitsLinear(model),
    tokenizer: model.tokenizer,
    listing: model,
    async readTokens(command, flag, path) {
      let bytes: Uint8Array;
      try {
        bytes = new Uint8Array(await readFile(path));
      } catch (err) {
        throw new UsageError(`${command}: cannot read --${flag} '${path}': ${(err as { code?: string }).code ?? 'unreadable'}`);
      }
      return tokenStreamOfBytes(model.tokenizer, model.spec.vocabSize, bytes);
    },
    close: () => opened.close(),
  };
}

/** Throws a UsageError unless `tokens` holds at least one window of `context`. */
export function requireWindow(command: string, flag: string, tokens: Int32Array, context: number): void {
  if (tokens.length < context) throw new UsageError(`${command}: --${flag} has ${tokens.length} tokens, fewer than one window of ${context}`);
}

/** What lib/scenario planScenario reads off the CLI's model (its name keys nothing here: the CLI has no caches). */
export function scenarioPlanModel(model: ScenarioModel): PlanModel {
  return { id: model.name, identity: model.identity, rope: model.spec.rope, trainedWindow: model.trainedWindow, spec: model.spec, tokenizer: model.tokenizer };
}
