import type { PairLayout, RopeConfig } from '../rope/types';

/**
 * ModelSpec — everything the engine needs to know about a LLaMA-family decoder,
 * whatever file it came from. Built from config.json (HF) or GGUF metadata by
 * lib/model; validated against tensor shapes.
 */
export interface ModelSpec {
  /** model_type / general.architecture, e.g. 'llama', 'qwen2', 'mistral'. */
  architecture: string;
  vocabSize: number;
  hiddenSize: number;
  intermediateSize: number;
  numLayers: number;
  numHeads: number;
  numKvHeads: number;
  headDim: number;
  rmsNormEps: number;
  tieWordEmbeddings: boolean;
  /** q/k/v projections carry biases (Qwen2). */
  attentionBias: boolean;
  /** Row pairing of q_proj/k_proj in the weights as stored. */
  pairLayout: PairLayout;
  rope: RopeConfig;
  /** Per-head RMSNorm on q and k before RoPE (Qwen3: self_attn.q_norm / k_norm, [headDim] each). */
  qkNorm?: boolean;
  /**
   * Sliding-window attention span in tokens (Mistral/Phi-3 `sliding_window`): each query sees at
   * most this many keys, itself included. Absent = full causal attention. The engine evaluates
   * only contexts ≤ this (where the window changes nothing) and refuses longer ones.
   */
  slidingWindowTokens?: number;
}
